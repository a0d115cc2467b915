package dev.dlock.tck;

import java.util.Optional;
import java.util.function.Supplier;
import org.testcontainers.DockerClientFactory;

/**
 * A server that cannot run inside the test JVM (MySQL 8, SQL Server, Oracle): the one a URL variable names (a JDBC
 * URL with user and password in it), or else one Testcontainers container per JVM, started at the first use and
 * removed by Testcontainers' reaper when the JVM ends. Missing when neither is here.
 */
public final class UrlOrContainer {
    private final String urlVariable;
    private final String containerName;
    private final Supplier<TestDatabase> startContainer;
    private TestDatabase database;

    /**
     * @param urlVariable    the environment variable that may name a server
     * @param containerName  what the container is, for names and messages ("SQL Server 2022 in Testcontainers")
     * @param startContainer starts the container and says how to connect to it
     */
    public UrlOrContainer(String urlVariable, String containerName, Supplier<TestDatabase> startContainer) {
        this.urlVariable = urlVariable;
        this.containerName = containerName;
        this.startContainer = startContainer;
    }

    private Optional<String> url() {
        return Optional.ofNullable(System.getenv(urlVariable)).filter(url -> !url.isBlank());
    }

    /** @return which server the tests use */
    public String name() {
        return url().isPresent() ? "the server at " + urlVariable : containerName;
    }

    /** @return why no server can be reached here (no Docker engine, no URL), or empty */
    public Optional<String> unavailable() {
        if (url().isPresent() || DockerClientFactory.instance().isDockerAvailable()) {
            return Optional.empty();
        }
        return Optional.of("no Docker engine here (Testcontainers found none), and " + urlVariable
                + " names no server");
    }

    /** @return the server at the URL, or the container, started at the first call */
    public synchronized TestDatabase database() {
        if (database == null) {
            database = url().map(url -> TestDatabase.atUrl(url, name())).orElseGet(startContainer);
        }
        return database;
    }
}
