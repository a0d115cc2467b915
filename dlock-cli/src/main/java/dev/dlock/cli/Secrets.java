package dev.dlock.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps passwords out of everything dlock prints: the known secrets (the password from the environment or the
 * password file, and any the URL carries) are masked wherever they appear, and so is whatever stands in a URL's
 * password places, since drivers and option parsers echo URLs in their messages.
 */
final class Secrets {
    static final String MASK = "****";

    /** {@code password=...} and {@code pwd=...}, as URL parameters ({@code &}) or SQL Server properties ({@code ;}). */
    private static final Pattern PASSWORD_PARAMETER =
            Pattern.compile("(?i)((?:password|pwd)\\s*=\\s*)([^&;\\s)]+)");
    /** {@code //user:password@host} (MySQL, MariaDB). */
    private static final Pattern USER_INFO = Pattern.compile("(//[^/:@\\s]*:)([^@/\\s]+)@");
    /** {@code jdbc:oracle:thin:user/password@host}. */
    private static final Pattern ORACLE_THIN = Pattern.compile("(?i)(:thin:[^/@\\s]*/)([^@\\s]+)@");

    private final List<String> known;

    private Secrets(List<String> known) {
        this.known = known;
    }

    /** @return the masking of URL password places only */
    static Secrets none() {
        return new Secrets(List.of());
    }

    /**
     * @param url      the JDBC URL, whose passwords become known secrets too; may be null
     * @param password a password from the environment or a file; may be null
     * @return a scrubber that masks them
     */
    static Secrets of(String url, String password) {
        List<String> known = new ArrayList<>();
        if (password != null && !password.isEmpty()) {
            known.add(password);
        }
        if (url != null) {
            for (Pattern pattern : List.of(PASSWORD_PARAMETER, USER_INFO, ORACLE_THIN)) {
                Matcher matcher = pattern.matcher(url);
                while (matcher.find()) {
                    known.add(matcher.group(2));
                }
            }
        }
        // the longest first, so that a secret containing another is masked whole
        known.sort((a, b) -> Integer.compare(b.length(), a.length()));
        return new Secrets(List.copyOf(known));
    }

    /**
     * @param text what is about to be printed; may be null
     * @return the text with every known secret and every URL password place masked
     */
    String scrub(String text) {
        if (text == null) {
            return null;
        }
        String scrubbed = text;
        for (String secret : known) {
            scrubbed = scrubbed.replace(secret, MASK);
        }
        scrubbed = PASSWORD_PARAMETER.matcher(scrubbed).replaceAll("$1" + MASK);
        scrubbed = USER_INFO.matcher(scrubbed).replaceAll("$1" + MASK + "@");
        return ORACLE_THIN.matcher(scrubbed).replaceAll("$1" + MASK + "@");
    }
}
