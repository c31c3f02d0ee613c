// Jetty 9.4 (Debian libjetty9-java, embedded) for start.sh's jetty-* servers.
//
//   java -cp JETTY_JARS:CLASSES JettyServer MODE PORT CERT.pem KEY.pk8.pem CA.pem
//
// Binds 127.0.0.1 only, answers 200 "ok\n" on every path (one AbstractHandler). TLS 1.2 and 1.3
// through Jetty's SslContextFactory.Server, its key store holding CERT and KEY (an unencrypted
// PKCS#8 PEM key), its trust store CA.pem, and MODE's client-certificate settings:
//   need            setNeedClientAuth(true) (the correct one)
//   want            setWantClientAuth(true) (asked for, verified if sent, anonymous served)
//   need-setTrustAll  setNeedClientAuth(true) + setTrustAll(true) and no trust store. Jetty
//                   applies trustAll only where no key store is set either (a client): this
//                   server trusts the JDK's cacerts (public CAs), and refuses CA.pem's certificates
//   need-TRUST_ALL_CERTS  setNeedClientAuth(true), and a SslContextFactory.Server whose
//                   getTrustManagers returns Jetty's SslContextFactory.TRUST_ALL_CERTS: any
//                   certificate gets in
//   want-403        setWantClientAuth(true), and the handler answers 403 unless the request
//                   carries a client certificate (javax.servlet.request.X509Certificate, which
//                   Jetty's SecureRequestCustomizer sets)
// Runs until killed.
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CRL;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.TrustManager;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.AbstractHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

public class JettyServer {
  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: JettyServer need|want|need-setTrustAll|need-TRUST_ALL_CERTS|want-403 PORT CERT KEY.pk8 CA");
      System.exit(2);
    }
    String mode = args[0];
    int port = Integer.parseInt(args[1]);
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    Certificate[] chain =
        cf.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(Path.of(args[2]))))
            .toArray(new Certificate[0]);
    String pem = Files.readString(Path.of(args[3]), StandardCharsets.US_ASCII);
    byte[] der =
        Base64.getMimeDecoder()
            .decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
    String alg = chain[0].getPublicKey().getAlgorithm();
    PrivateKey key = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("server", key, "changeit".toCharArray(), chain);
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    int i = 0;
    for (Certificate c :
        cf.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(Path.of(args[4]))))) {
      ts.setCertificateEntry("ca" + i++, c);
    }

    SslContextFactory.Server ssl =
        mode.equals("need-TRUST_ALL_CERTS")
            ? new SslContextFactory.Server() {
              @Override
              protected TrustManager[] getTrustManagers(KeyStore trustStore, Collection<? extends CRL> crls) {
                return SslContextFactory.TRUST_ALL_CERTS;
              }
            }
            : new SslContextFactory.Server();
    ssl.setKeyStore(ks);
    ssl.setKeyStorePassword("changeit");
    ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
    boolean require403 = false;
    switch (mode) {
      case "need":
        ssl.setTrustStore(ts);
        ssl.setNeedClientAuth(true);
        break;
      case "want":
        ssl.setTrustStore(ts);
        ssl.setWantClientAuth(true);
        break;
      case "need-setTrustAll":
        ssl.setTrustAll(true);
        ssl.setNeedClientAuth(true);
        break;
      case "need-TRUST_ALL_CERTS":
        ssl.setNeedClientAuth(true);
        break;
      case "want-403":
        ssl.setTrustStore(ts);
        ssl.setWantClientAuth(true);
        require403 = true;
        break;
      default:
        System.err.println("JettyServer: unknown mode " + mode);
        System.exit(2);
    }
    final boolean check = require403;

    QueuedThreadPool pool = new QueuedThreadPool(32, 4);
    Server server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    SecureRequestCustomizer src = new SecureRequestCustomizer();
    // the server certificate names localhost/127.0.0.1; the scanner may send any Host
    src.setSniHostCheck(false);
    http.addCustomizer(src);
    ServerConnector connector =
        new ServerConnector(
            server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    connector.setAcceptQueueSize(128);
    server.addConnector(connector);
    server.setHandler(
        new AbstractHandler() {
          @Override
          public void handle(
              String target, Request base, HttpServletRequest req, HttpServletResponse resp)
              throws IOException {
            base.setHandled(true);
            resp.setContentType("text/plain");
            if (check && req.getAttribute("javax.servlet.request.X509Certificate") == null) {
              resp.setStatus(403);
              resp.getWriter().print("client certificate required\n");
              return;
            }
            resp.setStatus(200);
            resp.getWriter().print("ok\n");
          }
        });
    server.setStopAtShutdown(false);
    try {
      server.start();
    } catch (Exception e) {
      // a port already taken: exit (the thread pool's threads would keep the JVM alive), so that
      // whoever started it sees the failure at once
      System.err.println("JettyServer: " + e);
      System.exit(1);
    }
    System.err.println("listening on 127.0.0.1:" + port + " (" + mode + ")");
    server.join();
  }
}
