package dev.dlock.tck;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one TCP host of a JDBC URL ({@code jdbc:<scheme>://host[:port]/...}), read and replaced in one place, for
 * tests and benchmarks that reach a server through a proxy or another of its addresses.
 */
public final class JdbcUrls {
    /** {@code //host[:port]} with one host (an IPv6 literal in brackets), followed by a path, a query or the end. */
    private static final Pattern HOST_AND_PORT = Pattern.compile("//(\\[[^]]+]|[^/:?,\\[]+)(?::(\\d+))?(?=[/?]|$)");

    private JdbcUrls() {
    }

    /**
     * @param url a JDBC URL
     * @return its host and port (the scheme's default port, 5432 for PostgreSQL and 3306 for MySQL and MariaDB,
     *         when it names none); empty if it names no single TCP host, or no port and its scheme has no default
     */
    public static Optional<InetSocketAddress> tcpAddress(String url) {
        Matcher hostAndPort = HOST_AND_PORT.matcher(url);
        if (!hostAndPort.find()) {
            return Optional.empty();
        }
        String host = hostAndPort.group(1).replace("[", "").replace("]", "");
        if (hostAndPort.group(2) != null) {
            return Optional.of(new InetSocketAddress(host, Integer.parseInt(hostAndPort.group(2))));
        }
        int port = url.startsWith("jdbc:postgresql:") ? 5432
                : url.startsWith("jdbc:mysql:") || url.startsWith("jdbc:mariadb:") ? 3306 : -1;
        return port < 0 ? Optional.empty() : Optional.of(new InetSocketAddress(host, port));
    }

    /**
     * @param url     a JDBC URL that names one TCP host
     * @param address where to reach the server instead
     * @return the same URL (database, user, options) with {@code address} as its host and port
     * @throws IllegalArgumentException if the URL names no single TCP host
     */
    public static String at(String url, InetSocketAddress address) {
        Matcher hostAndPort = HOST_AND_PORT.matcher(url);
        if (!hostAndPort.find()) {
            throw new IllegalArgumentException("no single TCP host in the JDBC URL " + url);
        }
        String host = address.isUnresolved() ? address.getHostString()
                : address.getAddress() instanceof Inet6Address ? "[" + address.getAddress().getHostAddress() + "]"
                : address.getAddress().getHostAddress();
        return url.substring(0, hostAndPort.start()) + "//" + host + ":" + address.getPort()
                + url.substring(hostAndPort.end());
    }
}
