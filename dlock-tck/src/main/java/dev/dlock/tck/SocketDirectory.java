package dev.dlock.tck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A short folder of its own for an embedded server's Unix socket. A socket's path must fit in {@code sun_path}
 * (107 bytes on Linux), and PostgreSQL and MariaDB refuse to start on a longer one; under the build's
 * {@code target/} a checkout in a deep folder is already past that. So the sockets go to a new folder under
 * {@code java.io.tmpdir}, or under {@code /tmp} when that path is itself too long, and the launcher deletes the
 * folder when its server stops for good.
 */
final class SocketDirectory {
    /** The longest path a Unix socket may have on Linux: {@code sun_path}'s 108 bytes, less the closing zero. */
    static final int MAX_SOCKET_PATH = 107;
    /** Room kept for a socket's own name: PostgreSQL's {@code .s.PGSQL.65535} and {@code mariadb.sock} fit. */
    static final int SOCKET_NAME_ROOM = 16;
    /** The name {@link Files#createTempDirectory} gives: the prefix and up to 20 digits. */
    private static final String PREFIX = "dlock";
    private static final int CREATED_NAME_ROOM = PREFIX.length() + 20;
    /** The longest parent that leaves room for the created folder and a socket in it. */
    static final int MAX_PARENT = MAX_SOCKET_PATH - SOCKET_NAME_ROOM - CREATED_NAME_ROOM - 2;

    private SocketDirectory() {
    }

    /**
     * @return a new, empty folder, readable by its owner only, whose path leaves room for a socket in it
     * @throws UncheckedIOException if it cannot be made
     */
    static Path create() {
        Path parent = parentFor(Path.of(System.getProperty("java.io.tmpdir")));
        Path directory;
        try {
            directory = Files.createTempDirectory(parent, PREFIX);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for a server's Unix socket under " + parent, e);
        }
        if (!fitsASocket(directory)) {
            delete(directory);
            throw new IllegalStateException("the folder for a server's Unix socket, " + directory + ", leaves no room"
                    + " for a socket's name within " + MAX_SOCKET_PATH + " bytes");
        }
        return directory;
    }

    /**
     * @param tmpdir the JVM's temporary folder
     * @return {@code tmpdir} as an absolute path if a socket folder under it is short enough, else {@code /tmp}
     */
    static Path parentFor(Path tmpdir) {
        Path absolute = tmpdir.toAbsolutePath();
        return bytes(absolute) <= MAX_PARENT ? absolute : Path.of("/tmp");
    }

    /**
     * @param directory a folder
     * @return whether a socket with a name of up to {@link #SOCKET_NAME_ROOM} characters fits in it
     */
    static boolean fitsASocket(Path directory) {
        return bytes(directory.toAbsolutePath()) + 1 + SOCKET_NAME_ROOM <= MAX_SOCKET_PATH;
    }

    /**
     * Deletes a folder made by {@link #create()}, and whatever a server left in it.
     *
     * @param directory the folder; {@code null} does nothing
     */
    static void delete(Path directory) {
        if (directory != null) {
            WorkDirectory.delete(directory);
        }
    }

    private static int bytes(Path path) {
        return path.toString().getBytes(StandardCharsets.UTF_8).length;
    }
}
