package dev.dlock.internal;

import dev.dlock.DialectNotFoundException;
import dev.dlock.DistributedLockException;
import dev.dlock.Locks;
import dev.dlock.spi.LockProvider;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.WeakHashMap;
import java.util.stream.Collectors;

/** The {@link LockProvider}s on the class path, loaded once per class loader, and the choice among them. */
final class Providers {
    private static final Map<ClassLoader, List<LockProvider>> LOADED = new WeakHashMap<>();

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
        List<LockProvider> providers = discovered();
        for (LockProvider provider : providers) {
            if (provider.handles(product, version)) {
                return provider;
            }
        }
        String declined = providers.stream()
                .map(p -> p.declines(product, version))
                .filter(Objects::nonNull)
                .collect(Collectors.joining("; "));
        throw new DialectNotFoundException("no dlock dialect handles database product '" + product + "' version '"
                + version + "'; providers found: " + describe(providers) + "; "
                + (declined.isEmpty() ? advice(product) : declined));
    }

    static List<LockProvider> discovered() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = Locks.class.getClassLoader();
        }
        synchronized (LOADED) {
            return LOADED.computeIfAbsent(loader, Providers::load);
        }
    }

    private static List<LockProvider> load(ClassLoader loader) {
        List<LockProvider> providers = new ArrayList<>();
        ServiceLoader.load(LockProvider.class, loader).forEach(providers::add);
        providers.sort(Comparator.comparingInt(LockProvider::priority).reversed());
        return List.copyOf(providers);
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
