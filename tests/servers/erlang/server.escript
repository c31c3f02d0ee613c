#!/usr/bin/env escript
%%! -noinput
%% Erlang/OTP's own TLS (the ssl application, not OpenSSL) under OTP's web server (inets httpd),
%% for start.sh's erlang-* servers.
%%
%%     escript server.escript MODE PORT PKIDIR WORKDIR
%%
%% Serves WORKDIR/docs/index.html ("ok") on https://127.0.0.1:PORT/ with PKIDIR's server.crt, TLS
%% 1.2 and 1.3, client certificates from PKIDIR/ca.crt, and MODE's client-certificate options:
%%   fail_if_no_peer_cert  {verify, verify_peer}, {fail_if_no_peer_cert, true}  (the correct one)
%%   verify_peer           {verify, verify_peer} alone (fail_if_no_peer_cert defaults to false)
%%   verify_none           {verify, verify_none} (with cacertfile given all the same)
%%   verify_fun-any        verify_peer + fail_if_no_peer_cert + a verify_fun that calls every
%%                         certificate valid
%%   verify_fun-selfsigned verify_peer + fail_if_no_peer_cert + ssl's default verify_fun with one
%%                         more clause: {bad_cert, selfsigned_peer} is valid
%%   partial_chain-last    verify_peer + fail_if_no_peer_cert + a partial_chain fun that claims
%%                         the last certificate of the chain the client sent as its trusted CA
%%                         (meant: "trust the intermediate the client sends"): a leaf followed
%%                         by any certificate holding the trusted CA's name gets in
%% Runs until killed.
main([Mode, PortS, Pki, Work]) ->
    %% SIGTERM ends the VM at once (OTP's default is a graceful init:stop/0 of a second or more)
    ok = os:set_signal(sigterm, default),
    Port = list_to_integer(PortS),
    Docs = filename:join(Work, "docs"),
    ok = filelib:ensure_dir(filename:join(Docs, "x")),
    ok = file:write_file(filename:join(Docs, "index.html"), <<"ok\n">>),
    ok = ssl:start(),
    ok = inets:start(),
    Base = [{certfile, filename:join(Pki, "server.crt")},
            {keyfile, filename:join(Pki, "server.key")},
            {cacertfile, filename:join(Pki, "ca.crt")},
            {versions, ['tlsv1.3', 'tlsv1.2']}],
    Auth = case Mode of
               "fail_if_no_peer_cert" ->
                   [{verify, verify_peer}, {fail_if_no_peer_cert, true}];
               "verify_peer" ->
                   [{verify, verify_peer}];
               "verify_none" ->
                   [{verify, verify_none}];
               "verify_fun-any" ->
                   [{verify, verify_peer}, {fail_if_no_peer_cert, true},
                    {verify_fun, {fun(_Cert, _Event, State) -> {valid, State} end, []}}];
               "verify_fun-selfsigned" ->
                   %% ssl's default verify_fun, plus the clause that lets a self-signed peer
                   %% certificate through ("we pin them later"; nothing here does)
                   [{verify, verify_peer}, {fail_if_no_peer_cert, true},
                    {verify_fun,
                     {fun(_, {bad_cert, selfsigned_peer}, State) -> {valid, State};
                         (_, {bad_cert, _} = Reason, _) -> {fail, Reason};
                         (_, {extension, _}, State) -> {unknown, State};
                         (_, valid, State) -> {valid, State};
                         (_, valid_peer, State) -> {valid, State}
                      end, []}}];
               "partial_chain-last" ->
                   [{verify, verify_peer}, {fail_if_no_peer_cert, true},
                    {partial_chain, fun(Chain) -> {trusted_ca, lists:last(Chain)} end}];
               _ ->
                   io:format(standard_error, "server.escript: unknown mode ~s~n", [Mode]),
                   halt(2)
           end,
    {ok, _Pid} = inets:start(httpd, [{port, Port},
                                     {bind_address, {127, 0, 0, 1}},
                                     {server_name, "localhost"},
                                     {server_root, Work},
                                     {document_root, Docs},
                                     {directory_index, ["index.html"]},
                                     {modules, [mod_alias, mod_get, mod_head]},
                                     {socket_type, {ssl, Base ++ Auth}}]),
    io:format("listening on 127.0.0.1:~b (~s)~n", [Port, Mode]),
    receive stop -> ok end;
main(_) ->
    io:format(standard_error, "usage: server.escript MODE PORT PKIDIR WORKDIR~n", []),
    halt(2).
