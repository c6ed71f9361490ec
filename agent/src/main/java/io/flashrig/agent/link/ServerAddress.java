package io.flashrig.agent.link;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where the FlashRig server listens: {@code http://host:port} (plaintext) or {@code https://host:port} (TLS).
 *
 * @param host host name or address
 * @param port TCP port (80/443 when the URL names none)
 * @param tls true for {@code https}
 */
public record ServerAddress(String host, int port, boolean tls) {

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    /**
     * The server a rig may send its token to: {@code https://}, or plaintext {@code http://} only to this computer or
     * when {@code insecure} says the network is trusted, since a token sent in plaintext over a shared factory network
     * is a token anyone on it can take.
     */
    public static ServerAddress forRig(String url, boolean insecure) {
        ServerAddress address = parse(url);
        if (address.plaintextOverNetwork() && !insecure) {
            throw new IllegalArgumentException("refusing to send the rig token in plaintext to " + address
                    + ": use an https:// server URL (with --ca-file FILE for a factory CA), or --insecure if this network is trusted");
        }
        return address;
    }

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

    /**
     * Whether the host is this computer: {@code localhost}, 127.0.0.0/8 or ::1. Decided from the URL's text alone: a
     * name is never looked up, so that no DNS answer can make a remote host count as this computer.
     */
    public boolean loopback() {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.equals("localhost")) {
            return true;
        }
        boolean ipv6 = name.startsWith("[") && name.endsWith("]");
        if (!ipv6 && !IPV4.matcher(name).matches()) {
            return false;
        }
        try {
            // An address literal: InetAddress parses it without a lookup.
            return InetAddress.getByName(name).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Whether what goes to this address crosses a network unencrypted: plaintext, to another computer. */
    public boolean plaintextOverNetwork() {
        return !tls && !loopback();
    }

    @Override
    public String toString() {
        return (tls ? "https://" : "http://") + host + ":" + port;
    }
}
