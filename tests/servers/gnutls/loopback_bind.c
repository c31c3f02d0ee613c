/* LD_PRELOAD shim for servers that cannot be told which address to listen on (gnutls-serv binds
 * the wildcard address of every family, with a backlog of 10): an IPv4 wildcard bind becomes
 * 127.0.0.1, an IPv6 wildcard bind fails with EADDRNOTAVAIL (the server goes on with the IPv4
 * socket), and listen() gets a backlog of at least 128 (a burst of probes would otherwise meet the
 * kernel's 1 s SYN retry). Nothing else changes.
 *
 *   cc -shared -fPIC -O2 -o loopback_bind.so loopback_bind.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  static int (*real_bind)(int, const struct sockaddr *, socklen_t);
  if (!real_bind)
    real_bind = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
  if (addr && addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
    struct sockaddr_in in;
    memcpy(&in, addr, sizeof in);
    if (in.sin_addr.s_addr == htonl(INADDR_ANY)) {
      in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      return real_bind(fd, (const struct sockaddr *)&in, sizeof in);
    }
  } else if (addr && addr->sa_family == AF_INET6 &&
             len >= (socklen_t)sizeof(struct sockaddr_in6)) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
    if (memcmp(&in6->sin6_addr, &in6addr_any, sizeof in6addr_any) == 0) {
      errno = EADDRNOTAVAIL;
      return -1;
    }
  }
  return real_bind(fd, addr, len);
}

int listen(int fd, int backlog) {
  static int (*real_listen)(int, int);
  if (!real_listen)
    real_listen = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
  return real_listen(fd, backlog < 128 ? 128 : backlog);
}
