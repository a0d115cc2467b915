package dev.dlock.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A table of text cells, printed aligned for a terminal or as Markdown. */
final class Table {
    private static final Pattern FIGURE = Pattern.compile("[-+]?[0-9]");

    private final String title;
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    Table(String title, String... header) {
        this.title = title;
        this.header = List.of(header);
    }

    void row(String... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + header.size());
        }
        rows.add(List.of(cells));
    }

    void note(String note) {
        notes.add(note);
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    String toText() {
        int[] widths = new int[header.size()];
        for (List<String> row : allRows()) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder(title).append('\n');
        List<List<String>> all = allRows();
        for (int r = 0; r < all.size(); r++) {
            List<String> row = all.get(r);
            StringBuilder line = new StringBuilder(" ");
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                line.append(' ').append(r > 0 && figures(i) ? padLeft(cell, widths[i]) : pad(cell, widths[i]))
                        .append(' ');
            }
            out.append(line.toString().stripTrailing()).append('\n');
            if (r == 0) {
                out.append("  ").append("-".repeat(line.length() - 2)).append('\n');
            }
        }
        notes.forEach(n -> out.append("  ").append(n).append('\n'));
        return out.toString();
    }

    String toMarkdown() {
        StringBuilder out = new StringBuilder("### ").append(title).append("\n\n");
        out.append("| ").append(String.join(" | ", header)).append(" |\n|");
        for (int i = 0; i < header.size(); i++) {
            out.append(figures(i) ? "---:|" : "---|");
        }
        out.append('\n');
        rows.forEach(row -> out.append("| ").append(String.join(" | ", row)).append(" |\n"));
        if (!notes.isEmpty()) {
            out.append('\n');
            notes.forEach(n -> out.append(n).append("\n\n"));
        }
        return out.append('\n').toString();
    }

    /** @return whether column {@code i} holds figures (aligned right) rather than text */
    private boolean figures(int i) {
        return rows.stream().map(row -> row.get(i)).filter(cell -> !cell.isEmpty())
                .allMatch(cell -> FIGURE.matcher(cell).lookingAt());
    }

    private List<List<String>> allRows() {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        return all;
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(width - s.length());
    }

    private static String padLeft(String s, int width) {
        return " ".repeat(width - s.length()) + s;
    }
}
