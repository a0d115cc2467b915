package dev.dlock.tck.stub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

class ScriptedPoolTest {
    private final ScriptedConnection first = ScriptedConnection.of("X");
    private final ScriptedConnection second = ScriptedConnection.of("X");
    private final ScriptedPool pool = ScriptedPool.of(first, second);

    @Test
    void lendsItsConnectionsInOrderEachOnce() throws Exception {
        DataSource dataSource = pool.dataSource();
        Connection one = dataSource.getConnection();
        Connection two = dataSource.getConnection();
        assertThat(one).isSameAs(first.connection());
        assertThat(two).isSameAs(second.connection());
        assertThat(pool.lent()).isEqualTo(2);
        one.close();
        assertThat(first.isClosed()).isTrue();
        assertThat(second.isClosed()).isFalse();
        pool.verify();
    }

    @Test
    void oneConnectionMoreThanScriptedIsAViolationThereAndInVerify() throws Exception {
        pool.dataSource().getConnection();
        pool.dataSource().getConnection();
        assertThatThrownBy(() -> pool.dataSource().getConnection()).isInstanceOf(AssertionError.class)
                .hasMessageContaining("connection 3 asked for; the script has 2");
        assertThatThrownBy(pool::verify).isInstanceOf(AssertionError.class).hasMessageContaining("connection 3");
    }

    @Test
    void anyOtherCallIsAViolation() {
        assertThatThrownBy(() -> pool.dataSource().getConnection("user", "password"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("DataSource.getConnection");
        assertThatThrownBy(() -> pool.dataSource().getLoginTimeout()).isInstanceOf(AssertionError.class)
                .hasMessageContaining("DataSource.getLoginTimeout");
        assertThatThrownBy(pool::verify).isInstanceOf(AssertionError.class);
    }
}
