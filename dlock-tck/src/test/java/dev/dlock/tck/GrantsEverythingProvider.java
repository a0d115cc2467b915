package dev.dlock.tck;

import dev.dlock.LockKey;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockProvider;
import dev.dlock.spi.LockRequest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.util.EnumSet;
import java.util.Set;

/**
 * A deliberately broken dialect for the negative control of {@link MutualExclusionProperty}: it answers "granted"
 * to every request without asking the server. It handles only connections made by {@link #disguise}, whose
 * metadata names a product no real database has, so no other test in this module can get it.
 */
public final class GrantsEverythingProvider implements LockProvider {
    static final String PRODUCT = "dlock negative control (grants everything)";

    /**
     * @param connection a real connection
     * @return the same connection, reporting {@link #PRODUCT} as its database product
     */
    static Connection disguise(Connection connection) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    Object result = invoke(connection, method, args);
                    if (method.getName().equals("getMetaData")) {
                        DatabaseMetaData real = (DatabaseMetaData) result;
                        return Proxy.newProxyInstance(DatabaseMetaData.class.getClassLoader(),
                                new Class<?>[] {DatabaseMetaData.class}, (p, m, a) ->
                                        m.getName().equals("getDatabaseProductName") ? PRODUCT : invoke(real, m, a));
                    }
                    return result;
                });
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public String dialect() {
        return "grants-everything";
    }

    @Override
    public boolean handles(String productName, String productVersion) {
        return PRODUCT.equals(productName);
    }

    @Override
    public Set<LockMode> supportedModes() {
        return EnumSet.of(LockMode.EXCLUSIVE, LockMode.SHARED);
    }

    @Override
    public Set<LockScope> supportedScopes() {
        return EnumSet.of(LockScope.SESSION);
    }

    @Override
    public DialectLock lockFor(LockKey key, LockOptions options) {
        return new DialectLock() {
            @Override
            public Object databaseKey() {
                return key;
            }

            @Override
            public boolean request(Connection connection, LockRequest request) {
                return true;
            }

            @Override
            public boolean unlock(Connection connection) {
                return true;
            }

            @Override
            public boolean isHeld(Connection connection) {
                return true;
            }
        };
    }
}
