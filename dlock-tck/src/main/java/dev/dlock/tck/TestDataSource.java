package dev.dlock.tck;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;
import javax.sql.DataSource;

/** A {@link TestDatabase} as an unpooled {@link DataSource}, for a pool (HikariCP) to wrap. */
public final class TestDataSource implements DataSource {
    private final TestDatabase database;
    private final UnaryOperator<Connection> opened;

    /** @param database where connections come from */
    public TestDataSource(TestDatabase database) {
        this(database, UnaryOperator.identity());
    }

    /**
     * @param database where connections come from
     * @param opened   given each connection opened, and what it returns is handed out: for a test that must find or
     *                 wrap a pool's physical connections
     */
    public TestDataSource(TestDatabase database, UnaryOperator<Connection> opened) {
        this.database = database;
        this.opened = opened;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return opened.apply(database.connect());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the test database chooses its own user");
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // no logging
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // the test database's own
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }
}
