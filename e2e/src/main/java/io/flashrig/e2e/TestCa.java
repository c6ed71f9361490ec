package io.flashrig.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A certificate authority made for one test, as a factory's own CA would be, and a server certificate it signed for
 * {@code localhost} and 127.0.0.1, all in PEM. Made with the JDK's {@code keytool}, so that nothing but a JDK is needed.
 */
public final class TestCa {

    private static final String PASSWORD = "e2e-only";

    private final Path caCertificate;
    private final Path serverCertificate;
    private final Path serverKey;

    private TestCa(Path caCertificate, Path serverCertificate, Path serverKey) {
        this.caCertificate = caCertificate;
        this.serverCertificate = serverCertificate;
        this.serverKey = serverKey;
    }

    /** Makes the CA and the server certificate in {@code dir}. */
    public static TestCa make(Path dir) {
        try {
            Files.createDirectories(dir);
            Path caStore = dir.resolve("ca.p12");
            Path serverStore = dir.resolve("server.p12");
            Path request = dir.resolve("server.csr");
            TestCa ca = new TestCa(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server-key.pem"));
            keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=FlashRig e2e factory CA",
                    "-ext", "bc:c", "-validity", "2", "-keystore", caStore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
            keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(), "-storepass", PASSWORD,
                    "-file", ca.caCertificate.toString());
            keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                    "-validity", "2", "-keystore", serverStore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
            keytool("-certreq", "-alias", "server", "-keystore", serverStore.toString(), "-storepass", PASSWORD, "-file", request.toString());
            keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(), "-storepass", PASSWORD, "-infile", request.toString(),
                    "-outfile", ca.serverCertificate.toString(), "-validity", "2", "-ext", "san=dns:localhost,ip:127.0.0.1",
                    "-ext", "eku=serverAuth", "-ext", "ku:c=digitalSignature");
            // keytool exports no private key; the server reads PKCS#8 PEM.
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(serverStore)) {
                store.load(in, PASSWORD.toCharArray());
            }
            Key key = store.getKey("server", PASSWORD.toCharArray());
            Files.writeString(ca.serverKey, "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n");
            return ca;
        } catch (IOException e) {
            throw new UncheckedIOException("the test CA could not be made", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the test CA could not be made", e);
        }
    }

    /** The CA's certificate (PEM), what an agent gets with {@code --ca-file}. */
    public Path caCertificate() {
        return caCertificate;
    }

    /**
     * The server's environment for TLS only on {@code tlsPort}, with Quarkus' standard settings as the README gives them:
     * REST, dashboard and gRPC all on that port, the plaintext port not opened.
     */
    public Map<String, String> serverEnv(int tlsPort) {
        return Map.of("QUARKUS_HTTP_SSL_CERTIFICATE_FILES", serverCertificate.toString(),
                "QUARKUS_HTTP_SSL_CERTIFICATE_KEY_FILES", serverKey.toString(),
                "QUARKUS_HTTP_SSL_PORT", Integer.toString(tlsPort),
                "QUARKUS_HTTP_INSECURE_REQUESTS", "disabled");
    }

    /** A TLS context that trusts this CA only, for the test's own REST calls. */
    public SSLContext clientContext() {
        try (InputStream in = Files.newInputStream(caCertificate)) {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            List<Certificate> cas = new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
            trusted.setCertificateEntry("ca", cas.get(0));
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("keytool " + args[0] + " did not end within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException("keytool " + args[0] + " failed (" + process.exitValue() + "): " + output.strip());
        }
    }
}
