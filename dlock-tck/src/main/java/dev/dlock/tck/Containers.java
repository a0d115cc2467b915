package dev.dlock.tck;

import java.util.Optional;
import org.testcontainers.DockerClientFactory;

/** Whether the servers that run in Testcontainers containers (MySQL 8, SQL Server, Oracle) can run here. */
public final class Containers {
    private Containers() {
    }

    /** @return why containers cannot run here (no Docker engine), or empty when they can */
    public static Optional<String> unavailable() {
        return DockerClientFactory.instance().isDockerAvailable()
                ? Optional.empty()
                : Optional.of("no Docker engine here (Testcontainers found none)");
    }
}
