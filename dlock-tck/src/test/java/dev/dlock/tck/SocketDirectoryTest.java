package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Where the embedded servers' sockets go: a short folder of their own, whatever the JVM's temporary folder. */
class SocketDirectoryTest {

    @Test
    void aShortTemporaryFolderIsUsedAsItIs() {
        assertThat(SocketDirectory.parentFor(Path.of("/var/tmp"))).isEqualTo(Path.of("/var/tmp"));
    }

    @Test
    void aTemporaryFolderTooLongForASocketGivesWayToSlashTmp() {
        Path longest = Path.of("/" + "t".repeat(SocketDirectory.MAX_PARENT - 1));
        Path tooLong = Path.of("/" + "t".repeat(SocketDirectory.MAX_PARENT));
        assertThat(SocketDirectory.parentFor(longest)).isEqualTo(longest);
        assertThat(SocketDirectory.parentFor(tooLong)).isEqualTo(Path.of("/tmp"));
    }

    @Test
    void aNewFolderHasRoomForASocketIsItsOwnersAloneAndIsDeletedWithWhatIsInIt() throws IOException {
        Path folder = SocketDirectory.create();
        try {
            assertThat(folder).isEmptyDirectory();
            assertThat(folder.toString().length() + "/.s.PGSQL.65535".length())
                    .isLessThanOrEqualTo(SocketDirectory.MAX_SOCKET_PATH);
            assertThat(Files.getPosixFilePermissions(folder)).isEqualTo(Set.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
            Files.createFile(folder.resolve(".s.PGSQL.5432.lock"));
        } finally {
            SocketDirectory.delete(folder);
        }
        assertThat(folder).doesNotExist();
    }

    @Test
    void aSocketFitsUpTo107Bytes() {
        String name = "x".repeat(SocketDirectory.SOCKET_NAME_ROOM);
        Path fits = Path.of("/" + "d".repeat(SocketDirectory.MAX_SOCKET_PATH - 2 - name.length()));
        Path tooLong = Path.of("/" + "d".repeat(SocketDirectory.MAX_SOCKET_PATH - 1 - name.length()));
        assertThat((fits + "/" + name).length()).isEqualTo(107);
        assertThat(SocketDirectory.fitsASocket(fits)).isTrue();
        assertThat(SocketDirectory.fitsASocket(tooLong)).isFalse();
    }
}
