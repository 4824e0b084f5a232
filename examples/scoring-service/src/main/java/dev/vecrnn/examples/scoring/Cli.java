package dev.vecrnn.examples.scoring;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options of the two mains; every refusal is an IllegalArgumentException naming the option. */
final class Cli {
    private final Map<String, String> values = new HashMap<>();

    private Cli(String[] args, Set<String> known) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!known.contains(a)) throw new IllegalArgumentException("unknown option " + Json.quote(a) + "; expected one of " + known);
            if (i + 1 == args.length) throw new IllegalArgumentException(a + ": expected a value");
            values.put(a, args[++i]);
        }
    }

    static Cli parse(String[] args, String... known) {
        return new Cli(args, Set.of(known));
    }

    String string(String name, String dflt) {
        String v = values.get(name);
        if (v == null && dflt == null) throw new IllegalArgumentException(name + ": required");
        return v == null ? dflt : v;
    }

    Path path(String name) {
        return Path.of(string(name, null));
    }

    long number(String name, long dflt, long min, long max) {
        String v = values.get(name);
        if (v == null) return dflt;
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": expected an integer, got " + Json.quote(v));
        }
        if (n < min || n > max) throw new IllegalArgumentException(name + ": expected in [" + min + ", " + max + "], got " + n);
        return n;
    }

    int integer(String name, int dflt, int min, int max) {
        return (int) number(name, dflt, min, max);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    static ScoringService.Options serviceOptions(String[] args) {
        Cli c = parse(args, "--model", "--host", "--port", "--max-sessions", "--idle-timeout", "--threads");
        ScoringService.Options d = ScoringService.Options.defaults(c.path("--model"));
        long idleSeconds = c.number("--idle-timeout", d.idleTimeoutMillis() / 1000, 1, 7 * 24 * 3600);
        return new ScoringService.Options(d.model(), c.string("--host", d.host()), c.integer("--port", d.port(), 0, 65535),
                c.integer("--max-sessions", d.maxSessions(), 1, 100_000_000), idleSeconds * 1000,
                Math.min(d.sweepEveryMillis(), Math.max(1, idleSeconds * 1000 / 4)),
                c.integer("--threads", d.threads(), 1, 1024), d.queue(), d.drainSeconds());
    }
}
