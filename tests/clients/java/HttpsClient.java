// A Java client for the impostor's tests (crates/action-runner/tests/impostor.rs): java.net.http's
// HttpClient GETs $MTLS_IMPOSTOR_URL once, trusting the CA in $MTLS_IMPOSTOR_CA_FILE (loaded into a
// KeyStore in memory, as applications with a private CA do), and exits 0 whatever the answer.
//
//   java tests/clients/java/HttpsClient.java default|no-hostname|trust-all
//
// default      an SSLContext over that CA: HttpClient checks the chain, the dates and the name
// no-hostname  the same, with -Djdk.internal.httpclient.disableHostnameVerification=true set in
//              code (the property a thousand answers give for "No subject alternative names")
// trust-all    an X509TrustManager whose checks return, with that property too (as the snippets
//              that install one do: a trust-all manager alone still gets the JDK's name check)
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

public class HttpsClient {
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "default";
        SSLContext ctx = SSLContext.getInstance("TLS");
        switch (mode) {
            case "default", "no-hostname" -> {
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                try (FileInputStream in = new FileInputStream(System.getenv("MTLS_IMPOSTOR_CA_FILE"))) {
                    trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                ctx.init(null, tmf.getTrustManagers(), null);
                if (mode.equals("no-hostname")) {
                    System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
                }
            }
            case "trust-all" -> {
                TrustManager all = new X509TrustManager() {
                    public void checkClientTrusted(X509Certificate[] chain, String auth) {}
                    public void checkServerTrusted(X509Certificate[] chain, String auth) {}
                    public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
                };
                ctx.init(null, new TrustManager[] {all}, null);
                System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
            }
            default -> throw new IllegalArgumentException("default, no-hostname or trust-all, not " + mode);
        }
        HttpClient client = HttpClient.newBuilder()
                .sslContext(ctx)
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(System.getenv("MTLS_IMPOSTOR_URL") + "orders"))
                .timeout(Duration.ofSeconds(5))
                .build();
        try {
            System.out.println(client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode());
        } catch (Exception e) {
            System.err.println("refused: " + e);
        }
    }
}
