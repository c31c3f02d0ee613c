// A JDK com.sun.net.httpserver.HttpsServer for the real-server tests (JDK only, single file).
//
//   java Server.java need|want PORT CERT.pem KEY.pk8.pem CA.pem
//
// Binds 127.0.0.1 only, answers 200 "ok\n" on every path. TLS 1.2 and 1.3, the JDK's default
// X509TrustManager over CA.pem (so its CertificateRequest names that CA): "need" calls
// SSLParameters.setNeedClientAuth(true), "want" setWantClientAuth(true). KEY is an unencrypted
// PKCS#8 PEM key (EC or RSA); CERT may hold the chain.
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

public class Server {
  public static void main(String[] args) throws Exception {
    if (args.length != 5 || !(args[0].equals("need") || args[0].equals("want"))) {
      System.err.println("usage: java Server.java need|want PORT CERT KEY.pk8 CA");
      System.exit(2);
    }
    boolean need = args[0].equals("need");
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
    char[] pw = "changeit".toCharArray();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("server", key, pw, chain);
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    int i = 0;
    for (Certificate c :
        cf.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(Path.of(args[4]))))) {
      ts.setCertificateEntry("ca" + i++, c);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, pw);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

    HttpsServer srv = HttpsServer.create(new InetSocketAddress("127.0.0.1", port), 128);
    srv.setHttpsConfigurator(
        new HttpsConfigurator(ctx) {
          @Override
          public void configure(HttpsParameters p) {
            SSLParameters sp = ctx.getDefaultSSLParameters();
            sp.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            if (need) {
              sp.setNeedClientAuth(true);
            } else {
              sp.setWantClientAuth(true);
            }
            p.setSSLParameters(sp);
          }
        });
    srv.createContext(
        "/",
        ex -> {
          byte[] body = "ok\n".getBytes(StandardCharsets.US_ASCII);
          ex.getResponseHeaders().set("Content-Type", "text/plain");
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    srv.setExecutor(Executors.newFixedThreadPool(16));
    srv.start();
    System.err.println("listening on 127.0.0.1:" + port + " (" + args[0] + "ClientAuth)");
  }
}
