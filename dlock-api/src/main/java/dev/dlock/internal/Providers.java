package dev.dlock.internal;

import dev.dlock.DialectNotFoundException;
import dev.dlock.DistributedLockException;
import dev.dlock.spi.LockProvider;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.WeakHashMap;
import java.util.stream.Collectors;

/**
 * The {@link LockProvider}s on the class path (or module path), loaded once per class loader, and the choice
 * among them. A provider that fails to load (a broken jar, a missing class) does not hide the others: it is
 * left out, and named in the error when no provider handles a connection.
 */
final class Providers {
    /** Past this many load failures in a row, {@link ServiceLoader} is not asked for more. */
    private static final int MOST_FAILURES = 50;
    private static final Map<ClassLoader, Discovered> LOADED = new WeakHashMap<>();

    /**
     * What one class loader offers.
     *
     * @param providers the providers that loaded, highest priority first
     * @param failures  why others did not, one line each
     */
    record Discovered(List<LockProvider> providers, List<String> failures) {
    }

    private Providers() {
    }

    static LockProvider choose(Connection connection) {
        String product;
        String version;
        try {
            DatabaseMetaData metaData = connection.getMetaData();
            product = String.valueOf(metaData.getDatabaseProductName());
            String reported = metaData.getDatabaseProductVersion();
            version = reported == null ? "" : reported;
        } catch (SQLException e) {
            throw new DistributedLockException("cannot read the database product from the connection: " + e.getMessage(), e);
        }
        Discovered discovered = discovered();
        List<LockProvider> providers = discovered.providers();
        for (LockProvider provider : providers) {
            if (provider.handles(product, version)) {
                return provider;
            }
        }
        String declined = providers.stream()
                .map(p -> p.declines(product, version))
                .filter(Objects::nonNull)
                .collect(Collectors.joining("; "));
        String failed = discovered.failures().isEmpty() ? ""
                : "; providers that failed to load: " + String.join("; ", discovered.failures());
        throw new DialectNotFoundException("no dlock dialect handles database product '" + product + "' version '"
                + version + "'; providers found: " + describe(providers) + failed + "; "
                + (declined.isEmpty() ? advice(product) : declined));
    }

    static Discovered discovered() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = Providers.class.getClassLoader();
        }
        synchronized (LOADED) {
            return LOADED.computeIfAbsent(loader, Providers::load);
        }
    }

    private static Discovered load(ClassLoader loader) {
        List<LockProvider> providers = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Iterator<LockProvider> found = ServiceLoader.load(LockProvider.class, loader).iterator();
        while (failures.size() < MOST_FAILURES) {
            try {
                if (!found.hasNext()) {
                    break;
                }
                providers.add(found.next());
            } catch (ServiceConfigurationError e) {
                // names the provider; ServiceLoader goes on with the next one on the next call
                failures.add(e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause() + ")"));
            }
        }
        providers.sort(Comparator.comparingInt(LockProvider::priority).reversed());
        return new Discovered(List.copyOf(providers), List.copyOf(failures));
    }

    private static String describe(List<LockProvider> providers) {
        if (providers.isEmpty()) {
            return "none";
        }
        return providers.stream()
                .map(p -> p.dialect() + " (" + p.getClass().getName() + ")")
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static String advice(String product) {
        String p = product.toLowerCase(Locale.ROOT);
        String artifact;
        if (p.contains("postgres")) {
            artifact = "dlock-postgresql";
        } else if (p.contains("mysql") || p.contains("mariadb")) {
            artifact = "dlock-mysql";
        } else if (p.contains("sql server")) {
            artifact = "dlock-mssql";
        } else if (p.contains("oracle")) {
            artifact = "dlock-oracle";
        } else {
            return "dlock has no dialect for it (there are dialects for PostgreSQL, MySQL, MariaDB, SQL Server and Oracle)";
        }
        return "add the artifact dev.dlock:" + artifact + " to the class path";
    }
}
