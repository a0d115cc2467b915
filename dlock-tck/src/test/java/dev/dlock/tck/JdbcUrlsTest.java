package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class JdbcUrlsTest {

    @Test
    void readsTheOneHostAndItsPortOrTheSchemesDefault() {
        assertThat(JdbcUrls.tcpAddress("jdbc:postgresql://localhost:5433/postgres?user=postgres"))
                .contains(new InetSocketAddress("localhost", 5433));
        assertThat(JdbcUrls.tcpAddress("jdbc:mariadb://127.0.0.1/dlock")).hasValueSatisfying(address -> {
            assertThat(address.getHostString()).isEqualTo("127.0.0.1");
            assertThat(address.getPort()).isEqualTo(3306);
        });
        assertThat(JdbcUrls.tcpAddress("jdbc:postgresql://[::1]/db")).hasValueSatisfying(address -> {
            assertThat(address.getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
            assertThat(address.getPort()).isEqualTo(5432);
        });
        assertThat(JdbcUrls.tcpAddress("jdbc:postgresql://a:1,b:2/db")).isEmpty();
        assertThat(JdbcUrls.tcpAddress("jdbc:sqlserver://host;databaseName=x")).isEmpty();
    }

    @Test
    void movesTheHostAndKeepsTheRest() throws Exception {
        InetSocketAddress proxy = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 4000);
        assertThat(JdbcUrls.at("jdbc:postgresql://localhost:5433/postgres?user=postgres", proxy))
                .isEqualTo("jdbc:postgresql://127.0.0.1:4000/postgres?user=postgres");
        assertThat(JdbcUrls.at("jdbc:mariadb://127.0.0.1/dlock", new InetSocketAddress(InetAddress.getByName("::1"), 9)))
                .isEqualTo("jdbc:mariadb://[0:0:0:0:0:0:0:1]:9/dlock");
        assertThatThrownBy(() -> JdbcUrls.at("jdbc:postgresql://a:1,b:2/db", proxy))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
