#!/usr/bin/env perl
# A Mojolicious::Lite application for start.sh's mojo-* servers (Debian libmojolicious-perl and
# libio-socket-ssl-perl), run as `perl app.pl daemon -l 'https://...?cert=&key=&ca=&verify='`:
# Mojo::Server::Daemon over IO::Socket::SSL (OpenSSL). Answers every path with 200 "ok"; with
# MTLS_MOJO_CHECK=1 it answers 403 unless the connection carries a client certificate
# (the connection's IO::Socket::SSL handle's peer_certificate, which it only has when one was sent
# and passed the verification that verify= asked for).
use Mojolicious::Lite -signatures;

my $check = ($ENV{MTLS_MOJO_CHECK} // '') eq '1';

any '/*any' => {any => ''} => sub ($c) {
  if ($check) {
    my $stream = Mojo::IOLoop->stream($c->tx->connection);
    my $handle = $stream ? $stream->handle : undef;
    my $cert   = $handle && $handle->can('peer_certificate') ? $handle->peer_certificate : undef;
    return $c->render(text => "client certificate required\n", status => 403) unless $cert;
  }
  $c->render(text => "ok\n");
};

app->log->level('warn');
app->start;
