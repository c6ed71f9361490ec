package io.flashrig.agent.link;

import java.net.URI;
import java.util.Locale;

/**
 * Where the FlashRig server listens: {@code http://host:port} (plaintext) or {@code https://host:port} (TLS).
 *
 * @param host host name or address
 * @param port TCP port (80/443 when the URL names none)
 * @param tls true for {@code https}
 */
public record ServerAddress(String host, int port, boolean tls) {

    public static ServerAddress parse(String url) {
        URI uri;
        try {
            uri = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + url + "' is not a server URL (write e.g. https://flashrig.example.com:443)");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + url + "' is not a server URL: it must start with http:// or https:// and name a host");
        }
        boolean tls = scheme.equals("https");
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
        return new ServerAddress(uri.getHost(), port, tls);
    }

    @Override
    public String toString() {
        return (tls ? "https://" : "http://") + host + ":" + port;
    }
}
