package dev.dlock.spi;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The rows of {@code keys.tsv}: a key as a JSON string, its PostgreSQL key and its Oracle lock id. */
record KeyVectors(String key, long postgresKey, long oracleId) {

    static List<KeyVectors> load() {
        List<KeyVectors> rows = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                Objects.requireNonNull(KeyVectors.class.getResourceAsStream("/keys.tsv")), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] columns = line.split("\t");
                rows.add(new KeyVectors(json(columns[0]), Long.parseLong(columns[1]), Long.parseLong(columns[2])));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    /** Decodes one JSON string literal, escapes included. */
    static String json(String literal) {
        if (literal.length() < 2 || literal.charAt(0) != '"' || literal.charAt(literal.length() - 1) != '"') {
            throw new IllegalArgumentException("not a JSON string: " + literal);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < literal.length() - 1; i++) {
            char c = literal.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = literal.charAt(++i);
            switch (e) {
                case 'u' -> {
                    out.append((char) Integer.parseInt(literal.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                default -> out.append(e); // \" \\ \/
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return key.length() > 40 ? key.substring(0, 40) + "… (" + key.length() + " chars)" : key;
    }
}
