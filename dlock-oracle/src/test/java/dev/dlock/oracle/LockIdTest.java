package dev.dlock.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DistributedLock;
import dev.dlock.LockKey;
import dev.dlock.Locks;
import dev.dlock.tck.stub.ScriptedConnection;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lock ids are sqlalchemy-dlock's, row for row of {@code keys.tsv} (200 keys and the ids sqlalchemy-dlock 0.8.1
 * derives); {@code long} keys are ids and must be in DBMS_LOCK's range.
 */
class LockIdTest {
    private final ScriptedConnection db = ScriptedConnection.of("Oracle");

    @AfterEach
    void noSqlWasSent() {
        db.verify();
    }

    /** One row of keys.tsv: the key, and its Oracle lock id. */
    record Vector(String key, long lockId) {
    }

    static List<Vector> vectors() throws IOException {
        List<Vector> rows = new ArrayList<>();
        try (InputStream in = LockIdTest.class.getResourceAsStream("/keys.tsv");
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] columns = line.split("\t");
                rows.add(new Vector(jsonString(columns[0]), Long.parseLong(columns[2])));
            }
        }
        return rows;
    }

    /** Reads a JSON string literal (the first column of keys.tsv). */
    static String jsonString(String literal) {
        if (literal.length() < 2 || literal.charAt(0) != '"' || literal.charAt(literal.length() - 1) != '"') {
            throw new IllegalArgumentException("not a JSON string: " + literal);
        }
        StringBuilder text = new StringBuilder();
        for (int i = 1; i < literal.length() - 1; i++) {
            char c = literal.charAt(i);
            if (c != '\\') {
                text.append(c);
                continue;
            }
            char escape = literal.charAt(++i);
            switch (escape) {
                case 'u':
                    text.append((char) Integer.parseInt(literal.substring(i + 1, i + 5), 16));
                    i += 4;
                    break;
                case 'n':
                    text.append('\n');
                    break;
                case 't':
                    text.append('\t');
                    break;
                case 'r':
                    text.append('\r');
                    break;
                case 'b':
                    text.append('\b');
                    break;
                case 'f':
                    text.append('\f');
                    break;
                default:
                    text.append(escape); // \" \\ \/
                    break;
            }
        }
        return text.toString();
    }

    @Test
    void everyVectorRowHashesToSqlalchemyDlocksLockId() throws IOException {
        List<Vector> rows = vectors();
        assertThat(rows).hasSize(200);
        for (Vector row : rows) {
            assertThat(OracleLockProvider.lockId(row.key().getBytes(StandardCharsets.UTF_8)))
                    .as("lock id of %s", row.key()).isEqualTo(row.lockId());
        }
    }

    @Test
    void stringAndByteKeysThroughTheApiGetTheVectorsLockId() throws IOException {
        int checked = 0;
        for (Vector row : vectors()) {
            if (row.key().isEmpty()) {
                continue; // the API refuses empty keys; the hash of "" is checked above
            }
            DistributedLock byString = Locks.forConnection(db.connection(), row.key());
            DistributedLock byBytes = Locks.forConnection(db.connection(), LockKey.of(row.key().getBytes(StandardCharsets.UTF_8)));
            assertThat(byString.databaseKey()).as("string key %s", row.key()).isEqualTo(row.lockId());
            assertThat(byBytes.databaseKey()).as("byte key %s", row.key()).isEqualTo(row.lockId());
            checked++;
        }
        assertThat(checked).isEqualTo(199);
    }

    @Test
    void designTableValuesHold() {
        assertThat(Locks.forConnection(db.connection(), "my-resource-key").databaseKey()).isEqualTo(453216416L);
        assertThat(Locks.forConnection(db.connection(), "a").databaseKey()).isEqualTo(966719552L);
        assertThat(OracleLockProvider.lockId(new byte[0])).isEqualTo(396404452L);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 7_000_001, 1_073_741_823})
    void longKeyInDbmsLockRangeIsTheLockIdItself(long key) {
        assertThat(Locks.forConnection(db.connection(), LockKey.of(key)).databaseKey()).isEqualTo(key);
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, 1_073_741_824, 2_000_000_000, Long.MIN_VALUE, Long.MAX_VALUE})
    void longKeyOutsideDbmsLockRangeIsIllegalArgumentBeforeAnySql(long key) {
        assertThatThrownBy(() -> Locks.forConnection(db.connection(), LockKey.of(key)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0..1073741823").hasMessageContaining(Long.toString(key));
    }
}
