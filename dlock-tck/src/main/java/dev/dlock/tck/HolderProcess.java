package dev.dlock.tck;

import dev.dlock.DistributedLock;
import dev.dlock.LockWatch;
import dev.dlock.Locks;
import dev.dlock.UnsupportedLockOptionException;
import dev.dlock.WatchOptions;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;

/**
 * A lock holder in a process of its own, for tests that stop it ({@code SIGSTOP}) while it holds:
 * {@code java -cp <class path> dev.dlock.tck.HolderProcess <jdbc-url> <key> <lease-ms>}. It takes the lock, watches
 * it with that lease (or, where the dialect refuses a lease, every quarter of it without one), prints
 * {@code held lease} or {@code held watch}, prints {@code lost <reason>} if the watch declares the lock lost, and
 * releases it and exits when its standard input ends.
 */
public final class HolderProcess {

    private HolderProcess() {
    }

    /**
     * @param args the JDBC URL, the key, the lease in milliseconds
     * @throws Exception if it cannot hold the lock
     */
    public static void main(String[] args) throws Exception {
        Duration lease = Duration.ofMillis(Long.parseLong(args[2]));
        try (Connection connection = DriverManager.getConnection(args[0])) {
            DistributedLock lock = Locks.forConnection(connection, args[1]).acquire();
            LockWatch watch;
            String kind;
            try {
                watch = lock.watch(WatchOptions.lease(lease), HolderProcess::tellLoss);
                kind = "lease";
            } catch (UnsupportedLockOptionException noLease) {
                watch = lock.watch(WatchOptions.lease(lease).cadence(), HolderProcess::tellLoss);
                kind = "watch";
            }
            System.out.println("held " + kind);
            System.out.flush();
            drain(System.in);
            watch.close();
            if (lock.isLocked()) {
                lock.release();
            }
        }
    }

    private static void tellLoss(DistributedLock lock) {
        System.out.println("lost");
        System.out.flush();
    }

    private static void drain(InputStream in) throws IOException {
        byte[] buffer = new byte[256];
        while (in.read(buffer) >= 0) {
            // until the parent closes our standard input
        }
    }
}
