package io.flashrig.agent.link;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The certificate authorities the agent trusts for an {@code https://} server: the system's, plus a factory CA from
 * {@code --ca-file}. Adding to the system's rather than replacing them lets one setting serve a server with a public
 * certificate and one with a factory certificate alike.
 */
public final class ServerTrust {

    private final List<X509Certificate> factoryCas;

    private ServerTrust(List<X509Certificate> factoryCas) {
        this.factoryCas = factoryCas;
    }

    /** The system's CAs only. */
    public static ServerTrust system() {
        return new ServerTrust(List.of());
    }

    /**
     * The system's CAs plus every certificate in {@code caFile} (PEM or DER); fails with a sentence for the operator when
     * the file cannot be read or holds no certificate.
     */
    public static ServerTrust withCaFile(Optional<Path> caFile) {
        if (caFile.isEmpty()) {
            return system();
        }
        Path file = caFile.get();
        List<X509Certificate> cas = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> read = CertificateFactory.getInstance("X.509").generateCertificates(in);
            for (Certificate c : read) {
                cas.add((X509Certificate) c);
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("the CA file " + file + " cannot be read: it does not exist");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("the CA file " + file + " cannot be read: " + e.getMessage());
        }
        if (cas.isEmpty()) {
            throw new IllegalArgumentException("the CA file " + file + " holds no certificate: give the factory CA's certificate in PEM");
        }
        return new ServerTrust(List.copyOf(cas));
    }

    /** The factory CAs from the CA file; empty without one. */
    public List<X509Certificate> factoryCas() {
        return factoryCas;
    }

    /** The TLS context of a gRPC channel that trusts these CAs and offers HTTP/2 by ALPN. */
    SslContext sslContext() throws SSLException {
        if (factoryCas.isEmpty()) {
            return GrpcSslContexts.forClient().build();
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (X509Certificate ca : systemCas()) {
                store.setCertificateEntry("system-" + n++, ca);
            }
            for (X509Certificate ca : factoryCas) {
                store.setCertificateEntry("factory-" + n++, ca);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            return GrpcSslContexts.forClient().trustManager(trust).build();
        } catch (IOException | GeneralSecurityException e) {
            throw new SSLException("the trusted CAs cannot be set up: " + e.getMessage(), e);
        }
    }

    private static X509Certificate[] systemCas() throws GeneralSecurityException {
        TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        system.init((KeyStore) null);
        for (var manager : system.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return x509.getAcceptedIssuers();
            }
        }
        return new X509Certificate[0];
    }
}
