package dev.dlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SecretsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "jdbc:postgresql://db/app?user=cron&password=s3cret&ssl=true"
                + " | jdbc:postgresql://db/app?user=cron&password=****&ssl=true",
        "jdbc:postgresql://db/app?PASSWORD=s3cret | jdbc:postgresql://db/app?PASSWORD=****",
        "jdbc:sqlserver://db;user=cron;password=s3cret;encrypt=true"
                + " | jdbc:sqlserver://db;user=cron;password=****;encrypt=true",
        "jdbc:sqlserver://db;pwd=s3cret | jdbc:sqlserver://db;pwd=****",
        "jdbc:mariadb://cron:s3cret@db:3306/app | jdbc:mariadb://cron:****@db:3306/app",
        "jdbc:oracle:thin:cron/s3cret@db:1521/svc | jdbc:oracle:thin:cron/****@db:1521/svc",
        "jdbc:postgresql://db:5432/app?user=cron | jdbc:postgresql://db:5432/app?user=cron",
    })
    void masksTheUrlsPasswordPlaces(String url, String masked) {
        assertThat(Secrets.none().scrub(url)).isEqualTo(masked);
        assertThat(Secrets.of(url, null).scrub(url)).isEqualTo(masked);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "jdbc:postgresql://db/app?password=s3cret | FATAL: password s3cret is wrong | FATAL: password **** is wrong",
        "jdbc:mariadb://cron:s3cret@db/app | Access denied (using password: s3cret)"
                + " | Access denied (using password: ****)",
    })
    void masksAUrlsPasswordWhereverItIsEchoed(String url, String message, String masked) {
        assertThat(Secrets.of(url, null).scrub(message)).isEqualTo(masked);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "hunter2 | login as cron with hunter2 failed | login as cron with **** failed",
        "a&b;c | the password a&b;c was refused | the password **** was refused",
    })
    void masksThePasswordFromTheEnvironmentOrAFile(String password, String message, String masked) {
        assertThat(Secrets.of("jdbc:postgresql://db/app", password).scrub(message)).isEqualTo(masked);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"jdbc:postgresql://db/app?password=s3cret | s3cret-and-more | ****-and-more"})
    void masksTheLongestSecretFirst(String url, String message, String masked) {
        assertThat(Secrets.of(url, "s3cret-and-more").scrub(message)).isEqualTo("****");
        assertThat(Secrets.of(url, null).scrub(message)).isEqualTo(masked);
    }
}
