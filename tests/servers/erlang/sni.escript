#!/usr/bin/env escript
%%! -noinput
%% Erlang/OTP's ssl with the client-certificate policy chosen by SNI (`sni_hosts`), for start.sh's
%% erlang-sni-* bypass servers.
%%
%%     escript sni.escript MODE PORT PKIDIR
%%
%% names.crt (secure.test, public.test) on https://127.0.0.1:PORT/, TLS 1.2 and 1.3; the listener's
%% own options ask for no certificate ({verify, verify_none}), and
%% {sni_hosts, [{"secure.test", [{verify, verify_peer}, {fail_if_no_peer_cert, true}]}]} requires
%% and verifies one (against ca.crt) for SNI secure.test. OTP matches that name as sent: SNI
%% SECURE.TEST gets the listener's options. The handler answers "secret area" for Host secure.test
%% and "public area" for any other Host, after MODE's check:
%%   bypass  none (routes by Host alone)
%%   421     421 "misdirected request" unless the Host (port removed) equals the SNI name,
%%           compared case-insensitively as DNS names are (no SNI never matches)
%% Runs until killed.
main([Mode, PortS, Pki]) when Mode =:= "bypass"; Mode =:= "421" ->
    ok = os:set_signal(sigterm, default),
    ok = ssl:start(),
    F = fun(N) -> filename:join(Pki, N) end,
    Opts = [{certfile, F("names.crt")}, {keyfile, F("names.key")}, {cacertfile, F("ca.crt")},
            {versions, ['tlsv1.3', 'tlsv1.2']}, {verify, verify_none},
            {sni_hosts, [{"secure.test", [{verify, verify_peer}, {fail_if_no_peer_cert, true}]}]},
            {ip, {127, 0, 0, 1}}, {reuseaddr, true}, {backlog, 128},
            {active, false}, binary, {packet, http_bin}],
    {ok, L} = ssl:listen(list_to_integer(PortS), Opts),
    io:format("listening on 127.0.0.1:~s (~s)~n", [PortS, Mode]),
    accept(L, Mode);
main(_) ->
    io:format(standard_error, "usage: sni.escript bypass|421 PORT PKIDIR~n", []),
    halt(2).

accept(L, Mode) ->
    {ok, T} = ssl:transport_accept(L),
    spawn(fun() -> serve(T, Mode) end),
    accept(L, Mode).

serve(T, Mode) ->
    case ssl:handshake(T, 10000) of
        {ok, S} -> request(S, Mode, <<>>);
        _ -> ok
    end.

request(S, Mode, Host) ->
    case ssl:recv(S, 0, 10000) of
        {ok, {http_request, _, _, _}} -> request(S, Mode, Host);
        {ok, {http_header, _, 'Host', _, V}} -> request(S, Mode, V);
        {ok, {http_header, _, _, _, _}} -> request(S, Mode, Host);
        {ok, http_eoh} ->
            Name = string:lowercase(hd(binary:split(Host, <<":">>))),
            Sni = case ssl:connection_information(S, [sni_hostname]) of
                      {ok, [{sni_hostname, N}]} -> string:lowercase(list_to_binary(N));
                      _ -> undefined
                  end,
            {Status, Body} =
                if
                    Mode =:= "421", Sni =/= Name -> {<<"421 Misdirected Request">>, <<"misdirected request\n">>};
                    Name =:= <<"secure.test">> -> {<<"200 OK">>, <<"secret area\n">>};
                    true -> {<<"200 OK">>, <<"public area\n">>}
                end,
            ssl:send(S, [<<"HTTP/1.1 ">>, Status, <<"\r\nContent-Type: text/plain\r\n">>,
                         <<"Connection: close\r\nContent-Length: ">>,
                         integer_to_binary(byte_size(Body)), <<"\r\n\r\n">>, Body]),
            ssl:close(S);
        _ ->
            ssl:close(S)
    end.
