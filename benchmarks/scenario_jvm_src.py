"""The Java sources of the jvm scenario (benchmarks/scenario_jvm.py): depot, a stock reservation service of our
own (JDK 17, nothing but the JDK) and its JUnit 4 tests, as they stand at the workspace's last commit; older
versions are derived from these in scenario_jvm.py."""

SOURCES = {
    'src/main/java/depot/app/LogFormat.java': r'''package depot.app;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/** `2026-12-01 09:14:03.118 SEVERE  [replay] depot.app.Replay - message`, then the stack trace if there is one. */
public final class LogFormat extends Formatter {
    private static final DateTimeFormatter TS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    @Override
    public String format(LogRecord r) {
        StringBuilder sb = new StringBuilder();
        sb.append(TS.format(r.getInstant())).append(' ')
          .append(String.format("%-7s", r.getLevel().getName()))
          .append(" [").append(Thread.currentThread().getName()).append("] ")
          .append(r.getLoggerName()).append(" - ").append(formatMessage(r)).append('\n');
        if (r.getThrown() != null) {
            StringWriter sw = new StringWriter();
            r.getThrown().printStackTrace(new PrintWriter(sw));
            sb.append(sw);
        }
        return sb.toString();
    }
}
''',
    'src/main/java/depot/app/Main.java': r'''package depot.app;

import depot.io.CatalogLoader;
import depot.io.StockReport;
import depot.store.Inventory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/** depot replay --catalog FILE --log FILE --report FILE [--generated-at TS] ORDERS...
 *  depot serve --catalog FILE [--transfers]
 *  depot soak --catalog FILE --rounds N ORDERS... */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        Path catalog = null;
        Path log = null;
        Path report = null;
        String generatedAt = java.time.Instant.now().toString();
        boolean transfers = false;
        int rounds = 1;
        List<Path> orders = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--catalog" -> catalog = Path.of(args[++i]);
                case "--log" -> log = Path.of(args[++i]);
                case "--report" -> report = Path.of(args[++i]);
                case "--generated-at" -> generatedAt = args[++i];
                case "--transfers" -> transfers = true;
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                default -> orders.add(Path.of(args[i]));
            }
        }
        if (catalog == null) {
            usage();
        }
        switch (args[0]) {
            case "replay" -> System.exit(replay(catalog, log, report, generatedAt, orders));
            case "serve" -> Server.run(catalog, transfers);
            case "soak" -> soak(catalog, rounds, orders);
            default -> usage();
        }
    }

    static int replay(Path catalog, Path log, Path report, String generatedAt, List<Path> orders)
            throws IOException {
        Logger root = Logger.getLogger("depot");
        root.setUseParentHandlers(false);
        Handler handler = log == null ? new java.util.logging.ConsoleHandler() : new FileHandler(log.toString());
        handler.setFormatter(new LogFormat());
        root.addHandler(handler);
        Replay replay = new Replay(Inventory.of(CatalogLoader.load(catalog)), false);
        try {
            for (Path p : orders) {
                replay.replayFile(p);
            }
            replay.logSummary();
        } finally {
            handler.close();
        }
        if (report != null) {
            Files.writeString(report, StockReport.render(replay.inventory(), generatedAt, replay.files(),
                    replay.events(), replay.failed(), replay.abandoned()));
        }
        return replay.failed() + replay.abandoned().size() == 0 ? 0 : 1;
    }

    /** Replays the orders `rounds` times against fresh stock, rendering the live report after every line as the
     *  dashboard does; each file's last report is kept for the dashboard's history. */
    static void soak(Path catalog, int rounds, List<Path> orders) throws IOException {
        Logger.getLogger("depot").setLevel(Level.OFF);
        List<String> history = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            Replay replay = new Replay(Inventory.of(CatalogLoader.load(catalog)), false);
            for (Path p : orders) {
                String last = null;
                try {
                    for (String line : Files.readAllLines(p)) {
                        replay.replayLines(p.getFileName().toString(), List.of(line));
                        last = StockReport.render(replay.inventory(), "live", replay.files(), replay.events(),
                                replay.failed(), replay.abandoned());
                    }
                } catch (ReplayException e) {
                    // an unreadable line: the nightly replay abandons the rest of that file too
                }
                history.add(last);
            }
            System.out.println("soak round " + round + ": " + replay.events() + " events, " + history.size()
                    + " reports kept");
        }
    }

    private static void usage() {
        System.err.println("usage: depot replay|serve|soak --catalog FILE [options] [ORDERS...]");
        System.exit(2);
    }
}
''',
    'src/main/java/depot/app/Replay.java': r'''package depot.app;

import depot.io.OrderLine;
import depot.io.OrderLineException;
import depot.model.Reservation;
import depot.service.ReservationException;
import depot.service.ReservationService;
import depot.store.Inventory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.IntStream;

/** Replays order files into the reservation service, one line at a time, logging what happened at the line's own
 *  time. A line that cannot be applied is logged and skipped; a line that cannot be read ends its file. In strict
 *  mode (the tests) the first failure is thrown instead. */
public final class Replay {
    private static final Logger LOG = Logger.getLogger(Replay.class.getName());
    private static final DateTimeFormatter HM = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private final Inventory inventory;
    private final ReservationService service;
    private final boolean strict;
    private final List<String> abandoned = new ArrayList<>();
    private int files;
    private int events;
    private int failed;
    private Instant clock = Instant.EPOCH;

    public Replay(Inventory inventory, boolean strict) {
        this.inventory = inventory;
        this.service = new ReservationService(inventory);
        this.strict = strict;
    }

    public void replayFile(Path file) throws IOException {
        String name = file.getFileName().toString();
        files++;
        try {
            replayLines(name, Files.readAllLines(file));
        } catch (ReplayException e) {
            if (strict) {
                throw e;
            }
            abandoned.add(name);
            log(Level.SEVERE, clock, name + ": file abandoned", e);
        }
    }

    public void replayLines(String name, List<String> lines) {
        IntStream.range(0, lines.size())
                .filter(i -> !lines.get(i).isBlank() && !lines.get(i).startsWith("#"))
                .forEachOrdered(i -> replayLine(name, i + 1, lines.get(i)));
    }

    private void replayLine(String name, int n, String raw) {
        OrderLine line;
        try {
            line = OrderLine.parse(raw);
        } catch (OrderLineException e) {
            throw new ReplayException(name + ":" + n + ": unreadable line, the rest of the file is skipped", e);
        }
        events++;
        clock = line.at();
        try {
            apply(line);
        } catch (ReservationException e) {
            failed++;
            ReplayException wrapped = new ReplayException(name + ":" + n + ": " + line.action() + " " + line.id()
                    + " failed", e);
            if (strict) {
                throw wrapped;
            }
            log(Level.SEVERE, line.at(), wrapped.getMessage(), wrapped);
        }
    }

    private void apply(OrderLine line) {
        List<String> swept = service.sweepExpired(line.at());
        if (!swept.isEmpty()) {
            log(Level.INFO, line.at(), "sweep: " + swept.size() + " hold(s) expired: " + String.join(" ", swept),
                    null);
        }
        switch (line.action()) {
            case "RESERVE" -> {
                if (service.reserve(line.id(), line.sku(), line.qty(), line.customer(), line.at())) {
                    log(Level.INFO, line.at(), line.id() + " holds " + line.qty() + " x " + line.sku() + " for "
                            + line.customer() + " until " + HM.format(line.at().plus(ReservationService.HOLD)), null);
                } else {
                    log(Level.WARNING, line.at(), line.id() + " refused: " + line.sku() + " has "
                            + inventory.level(line.sku()).available() + " available, " + line.qty() + " asked", null);
                }
            }
            case "CONFIRM" -> {
                service.confirm(line.id());
                log(Level.INFO, line.at(), line.id() + " confirmed", null);
            }
            case "SHIP" -> {
                Reservation r = service.ship(line.id());
                log(Level.INFO, line.at(), line.id() + " shipped " + r.quantity() + " x " + r.sku(), null);
            }
            case "RELEASE" -> {
                Reservation r = service.release(line.id());
                log(Level.INFO, line.at(), line.id() + " released " + r.quantity() + " x " + r.sku(), null);
            }
            default -> throw new IllegalStateException("unexpected action " + line.action());
        }
    }

    /** The run's totals, at the time of its last line. */
    public void logSummary() {
        log(Level.INFO, clock, "replayed " + files + " files, " + events + " events, " + failed + " failed, "
                + abandoned.size() + " abandoned", null);
    }

    private static void log(Level level, Instant at, String msg, Throwable thrown) {
        if (!LOG.isLoggable(level)) {
            return;
        }
        LogRecord rec = new LogRecord(level, msg);
        rec.setInstant(at);
        rec.setLoggerName(LOG.getName());
        rec.setThrown(thrown);
        LOG.log(rec);
    }

    public Inventory inventory() { return inventory; }
    public ReservationService service() { return service; }
    public List<String> abandoned() { return List.copyOf(abandoned); }
    public int files() { return files; }
    public int events() { return events; }
    public int failed() { return failed; }
}
''',
    'src/main/java/depot/app/ReplayException.java': r'''package depot.app;

/** An order line the replay could not apply (or a file it had to give up on). */
public class ReplayException extends RuntimeException {
    public ReplayException(String message, Throwable cause) {
        super(message, cause);
    }
}
''',
    'src/main/java/depot/app/Server.java': r'''package depot.app;

import com.sun.net.httpserver.HttpServer;
import depot.io.CatalogLoader;
import depot.model.Sku;
import depot.store.TransferDesk;
import depot.store.Warehouse;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The status server: /status over HTTP on loopback, a pool of reservation workers, the hold sweeper, a watcher
 *  that notices a new catalog, SIGHUP to reload it, and (with --transfers) the night's transfers between sites. */
final class Server {
    private Server() {
    }

    static ThreadFactory named(String prefix, boolean daemon) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(daemon);
            return t;
        };
    }

    static void run(Path catalogPath, boolean transfers) throws IOException, InterruptedException {
        List<Sku> catalog = CatalogLoader.load(catalogPath);
        long indexed = catalog.parallelStream().map(Sku::code).distinct().count();

        ExecutorService workers = Executors.newFixedThreadPool(6, named("reservation-worker-", false));
        ((ThreadPoolExecutor) workers).prestartAllCoreThreads();
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(named("hold-sweeper-", true));
        sweeper.scheduleAtFixedRate(() -> { }, 30, 30, TimeUnit.SECONDS);

        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/status", ex -> {
            byte[] body = ("{\"skus\": " + indexed + "}\n").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        http.setExecutor(workers);
        http.start();

        WatchService watch = FileSystems.getDefault().newWatchService();
        catalogPath.toAbsolutePath().getParent().register(watch, StandardWatchEventKinds.ENTRY_MODIFY);
        Thread watcher = new Thread(() -> {
            try {
                while (true) {
                    watch.take().reset();
                    System.out.println("catalog changed: " + catalogPath);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "catalog-watcher");
        watcher.setDaemon(true);
        watcher.start();

        SignalHandler reload = sig -> System.out.println("SIG" + sig.getName() + ": reloading " + catalogPath);
        Signal.handle(new Signal("HUP"), reload);
        System.out.println("server: " + indexed + " SKUs, listening on 127.0.0.1:" + http.getAddress().getPort());

        if (transfers) {
            Warehouse dub = new Warehouse("DUB", catalog);
            Warehouse rtm = new Warehouse("RTM", catalog);
            TransferDesk desk = new TransferDesk();
            Thread out = new Thread(() -> desk.move(dub, rtm, catalog.get(0).code(), 5), "transfer-DUB-to-RTM");
            Thread back = new Thread(() -> desk.move(rtm, dub, catalog.get(1).code(), 3), "transfer-RTM-to-DUB");
            out.start();
            back.start();
            System.out.println("transfer desk: 2 transfers started");
            out.join();
            back.join();
            System.out.println("transfer desk: " + desk.moved() + " transfers done");
        }
        Thread.currentThread().join();
    }
}
''',
    'src/main/java/depot/io/CatalogLoader.java': r'''package depot.io;

import depot.model.Sku;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads data/catalog.tsv: a header, then `code, description, location, on_hand, reorder_at`, tab-separated. */
public final class CatalogLoader {
    private CatalogLoader() {
    }

    public static List<Sku> load(Path path) {
        try {
            return parse(Files.readAllLines(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the catalog " + path, e);
        }
    }

    public static List<Sku> parse(List<String> lines) {
        List<Sku> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            if (f.length != 5) {
                throw new IllegalArgumentException("catalog line " + (i + 1) + ": 5 fields expected, got "
                        + f.length);
            }
            out.add(new Sku(f[0], f[1], f[2], Integer.parseInt(f[3]), Integer.parseInt(f[4])));
        }
        return out;
    }
}
''',
    'src/main/java/depot/io/LegacyImport.java': r'''package depot.io;

import java.util.Date;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Vector;

/** Reads the old ERP's stock export (pipe-separated: sku|description|qty|unit|counted|bin|cost|supplier|weight|
 *  lead|min|max) for the yearly reconciliation. Written before the service had a model of its own. */
public class LegacyImport {
    private Vector rows = new Vector();
    private Hashtable bySku = new Hashtable();

    public void add(String line) {
        String[] f = line.split("\\|");
        Map rec = new HashMap();
        rec.put("sku", f[0].trim());
        rec.put("description", f[1].trim());
        rec.put("qty", new Integer(f[2].trim()));
        rec.put("unit", f[3].trim());
        rec.put("counted", new Date(f[4].trim()));
        rec.put("bin", new Integer(f[5].trim()));
        rec.put("cost", new Double(f[6].trim()));
        rec.put("supplier", new Long(f[7].trim()));
        rec.put("weight", new Float(f[8].trim()));
        rec.put("lead", new Short(f[9].trim()));
        rec.put("min", new Integer(f[10].trim()));
        rec.put("max", new Integer(f[11].trim()));
        rows.addElement(rec);
        bySku.put(f[0].trim(), rec);
    }

    public int units(String sku) {
        Map rec = (Map) bySku.get(sku);
        if (rec == null) {
            return 0;
        }
        Integer qty = (Integer) rec.get("qty");
        return toUnits((String) rec.get("unit"), qty.intValue());
    }

    /** Units per legacy unit code. */
    static int toUnits(String code, int n) {
        int factor = 1;
        switch (code) {
            case "EA":
                factor = 1;
                break;
            case "PR":
                factor = 2;
            case "DZ":
                factor = 12;
                break;
            case "BX":
                factor = 50;
                break;
            default:
                throw new IllegalArgumentException("unknown unit code " + code);
        }
        return n * factor;
    }

    /** The count's age in whole years, as the old report printed it. */
    public int countedYearsAgo(String sku, Date today) {
        Map rec = (Map) bySku.get(sku);
        Date counted = (Date) rec.get("counted");
        int years = today.getYear() - counted.getYear();
        if (today.getMonth() < counted.getMonth()
                || (today.getMonth() == counted.getMonth() && today.getDate() < counted.getDate())) {
            years--;
        }
        return years;
    }

    public List skus() {
        Vector out = new Vector();
        for (Enumeration e = bySku.keys(); e.hasMoreElements();) {
            out.addElement(e.nextElement());
        }
        return out;
    }

    public double totalCost() {
        double total = 0;
        for (Iterator it = rows.iterator(); it.hasNext();) {
            Map rec = (Map) it.next();
            total += ((Double) rec.get("cost")).doubleValue() * ((Integer) rec.get("qty")).intValue();
        }
        return (double) total;
    }

    @Override
    protected void finalize() throws Throwable {
        rows.clear();
        super.finalize();
    }
}
''',
    'src/main/java/depot/io/OrderLine.java': r'''package depot.io;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/** One line of an order file: `<timestamp>,RESERVE,<id>,<sku>,<qty>,<customer>` or
 *  `<timestamp>,CONFIRM|SHIP|RELEASE,<id>`. */
public record OrderLine(Instant at, String action, String id, String sku, int qty, String customer) {
    public static OrderLine parse(String raw) {
        String[] f = raw.split(",", -1);
        if (f.length < 3) {
            throw new OrderLineException("too few fields: " + raw);
        }
        try {
            Instant at = Instant.parse(f[0]);
            return switch (f[1]) {
                case "RESERVE" -> {
                    if (f.length != 6) {
                        throw new OrderLineException("RESERVE needs 6 fields: " + raw);
                    }
                    yield new OrderLine(at, f[1], f[2], f[3], Integer.parseInt(f[4]), f[5]);
                }
                case "CONFIRM", "SHIP", "RELEASE" -> {
                    if (f.length != 3) {
                        throw new OrderLineException(f[1] + " needs 3 fields: " + raw);
                    }
                    yield new OrderLine(at, f[1], f[2], null, 0, null);
                }
                default -> throw new OrderLineException("unknown action " + f[1] + ": " + raw);
            };
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new OrderLineException("cannot read " + raw, e);
        }
    }
}
''',
    'src/main/java/depot/io/OrderLineException.java': r'''package depot.io;

/** A line of an order file that cannot be read. */
public class OrderLineException extends RuntimeException {
    public OrderLineException(String message) {
        super(message);
    }

    public OrderLineException(String message, Throwable cause) {
        super(message, cause);
    }
}
''',
    'src/main/java/depot/io/StockReport.java': r'''package depot.io;

import depot.model.Sku;
import depot.store.Inventory;
import depot.store.StockLevel;

import java.util.List;

/** The stock report as JSON: the run's totals, then one record per SKU in catalog order. */
public final class StockReport {
    private StockReport() {
    }

    public static String status(Sku sku, StockLevel lv) {
        if (lv.available() <= 0) {
            return "out";
        }
        return lv.available() <= sku.reorderAt() ? "reorder" : "ok";
    }

    public static String render(Inventory inv, String generatedAt, int files, int events, int failed,
                                List<String> abandoned) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\n  \"generated_at\": ").append(quote(generatedAt))
          .append(",\n  \"files\": ").append(files)
          .append(",\n  \"events\": ").append(events)
          .append(",\n  \"failed_events\": ").append(failed)
          .append(",\n  \"abandoned_files\": [");
        for (int i = 0; i < abandoned.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(quote(abandoned.get(i)));
        }
        sb.append("],\n  \"skus\": [");
        boolean first = true;
        for (Sku s : inv.catalog()) {
            StockLevel lv = inv.level(s.code());
            sb.append(first ? "\n" : ",\n");
            first = false;
            sb.append("    {\"sku\": ").append(quote(s.code()))
              .append(", \"description\": ").append(quote(s.description()))
              .append(", \"location\": ").append(quote(s.location()))
              .append(", \"on_hand\": ").append(lv.onHand())
              .append(", \"reserved\": ").append(lv.reserved())
              .append(", \"available\": ").append(lv.available())
              .append(", \"reservations\": ").append(lv.reservations())
              .append(", \"shipped\": ").append(lv.shipped())
              .append(", \"refused\": ").append(lv.refused())
              .append(", \"status\": ").append(quote(status(s, lv))).append('}');
        }
        return sb.append("\n  ]\n}\n").toString();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
''',
    'src/main/java/depot/model/Reservation.java': r'''package depot.model;

import java.time.Instant;

/** Units of one SKU held for a customer. A HELD reservation lapses at expiresAt unless it is confirmed; a CONFIRMED
 *  one waits for the pick list and ships. */
public record Reservation(String id, String sku, int quantity, String customer, Instant createdAt, Instant expiresAt,
                          Status status) {
    public enum Status { HELD, CONFIRMED }

    public Reservation {
        if (quantity <= 0) {
            throw new IllegalArgumentException(id + ": quantity " + quantity);
        }
    }

    public Reservation with(Status next) {
        return new Reservation(id, sku, quantity, customer, createdAt, expiresAt, next);
    }
}
''',
    'src/main/java/depot/model/Sku.java': r'''package depot.model;

/** One line of the catalog: the SKU's code, what it is, where it is shelved, its opening stock and the level at
 *  which it is reordered. */
public record Sku(String code, String description, String location, int onHand, int reorderAt) {
    public Sku {
        if (code == null || code.isBlank()) {
            throw new IllegalArgumentException("a SKU needs a code");
        }
        if (onHand < 0 || reorderAt < 0) {
            throw new IllegalArgumentException(code + ": negative stock or reorder level");
        }
    }
}
''',
    'src/main/java/depot/service/ReservationException.java': r'''package depot.service;

/** A reservation that cannot do what was asked: unknown, already closed, or its stock would not allow it. */
public class ReservationException extends RuntimeException {
    public ReservationException(String message) {
        super(message);
    }

    public ReservationException(String message, Throwable cause) {
        super(message, cause);
    }
}
''',
    'src/main/java/depot/service/ReservationService.java': r'''package depot.service;

import depot.model.Reservation;
import depot.model.Reservation.Status;
import depot.store.Inventory;
import depot.store.StockLevel;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Holds stock for customers. A reservation holds its units for HOLD; a confirmed one keeps them until it ships;
 *  a hold nobody confirmed in time is swept and its units go back to available. */
public final class ReservationService {
    public static final Duration HOLD = Duration.ofMinutes(15);

    private final Inventory inventory;
    private final Map<String, Reservation> open = new LinkedHashMap<>();
    private final Set<String> expired = new HashSet<>();

    public ReservationService(Inventory inventory) {
        this.inventory = inventory;
    }

    /** Holds qty units of sku for the customer; false when fewer are available (nothing is held). */
    public boolean reserve(String id, String sku, int qty, String customer, Instant at) {
        if (open.containsKey(id) || expired.contains(id)) {
            throw new ReservationException(id + ": reservation id already used");
        }
        StockLevel level = inventory.find(sku)
                .orElseThrow(() -> new ReservationException(id + ": unknown SKU " + sku));
        if (!level.reserve(qty)) {
            return false;
        }
        open.put(id, new Reservation(id, sku, qty, customer, at, at.plus(HOLD), Status.HELD));
        return true;
    }

    /** The customer confirmed: the units stay held until the order ships. */
    public Reservation confirm(String id) {
        Reservation r = get(id);
        if (r.status() != Status.HELD) {
            throw new ReservationException(id + ": already " + r.status());
        }
        Reservation c = r.with(Status.CONFIRMED);
        open.put(id, c);
        return c;
    }

    /** The customer cancelled: the units go back. */
    public Reservation release(String id) {
        Reservation r = get(id);
        open.remove(id);
        inventory.level(r.sku()).release(r.quantity());
        return r;
    }

    /** A confirmed order was picked: its units leave the stock. */
    public Reservation ship(String id) {
        Reservation r = get(id);
        if (r.status() != Status.CONFIRMED) {
            throw new ReservationException(id + ": not confirmed, cannot ship");
        }
        try {
            inventory.level(r.sku()).ship(r.quantity());
        } catch (IllegalStateException e) {
            throw new ReservationException(id + ": ship failed", e);
        }
        open.remove(id);
        return r;
    }

    /** Ends every hold whose time is up at `now` and returns their ids, oldest deadline first. */
    public List<String> sweepExpired(Instant now) {
        List<Reservation> due = open.values().stream()
                .filter(r -> r.expiresAt().isBefore(now))
                .sorted(Comparator.comparing(Reservation::expiresAt))
                .toList();
        List<String> ids = new ArrayList<>();
        for (Reservation r : due) {
            open.remove(r.id());
            expired.add(r.id());
            inventory.level(r.sku()).release(r.quantity());
            ids.add(r.id());
        }
        return ids;
    }

    public Collection<Reservation> open() {
        return List.copyOf(open.values());
    }

    private Reservation get(String id) {
        Reservation r = open.get(id);
        if (r == null) {
            throw new ReservationException(id + ": no open reservation"
                    + (expired.contains(id) ? " (its hold expired)" : ""));
        }
        return r;
    }
}
''',
    'src/main/java/depot/store/Inventory.java': r'''package depot.store;

import depot.model.Sku;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The stock levels of one site, in catalog order. */
public final class Inventory {
    private final Map<String, StockLevel> levels = new LinkedHashMap<>();
    private final Map<String, Sku> skus = new LinkedHashMap<>();

    public static Inventory of(List<Sku> catalog) {
        Inventory inv = new Inventory();
        for (Sku s : catalog) {
            if (inv.skus.put(s.code(), s) != null) {
                throw new IllegalArgumentException("duplicate SKU " + s.code());
            }
            inv.levels.put(s.code(), new StockLevel(s.code(), s.onHand()));
        }
        return inv;
    }

    public Optional<StockLevel> find(String sku) {
        return Optional.ofNullable(levels.get(sku));
    }

    public StockLevel level(String sku) {
        StockLevel lv = levels.get(sku);
        if (lv == null) {
            throw new IllegalArgumentException("unknown SKU " + sku);
        }
        return lv;
    }

    public Sku sku(String code) {
        return skus.get(code);
    }

    public Collection<Sku> catalog() {
        return Collections.unmodifiableCollection(skus.values());
    }
}
''',
    'src/main/java/depot/store/StockLevel.java': r'''package depot.store;

/** On-hand and reserved units of one SKU; what a new reservation may take is what is available. */
public final class StockLevel {
    private final String sku;
    private int onHand;
    private int reserved;
    private int reservations;
    private int shipped;
    private int refused;

    public StockLevel(String sku, int onHand) {
        if (onHand < 0) {
            throw new IllegalArgumentException(sku + ": negative stock " + onHand);
        }
        this.sku = sku;
        this.onHand = onHand;
    }

    public String sku() { return sku; }
    public int onHand() { return onHand; }
    public int reserved() { return reserved; }
    public int available() { return onHand - reserved; }
    public int reservations() { return reservations; }
    public int shipped() { return shipped; }
    public int refused() { return refused; }

    /** Takes qty units out of what is available; false (and counted as refused) when there are not enough. */
    public boolean reserve(int qty) {
        if (qty <= 0) {
            throw new IllegalArgumentException(sku + ": cannot reserve " + qty);
        }
        if (qty > available()) {
            refused++;
            return false;
        }
        reserved += qty;
        reservations++;
        return true;
    }

    /** Reserved units go back to available (a hold lapsed or was cancelled). */
    public void release(int qty) {
        if (qty > reserved) {
            throw new IllegalStateException(sku + ": cannot release " + qty + ", only " + reserved + " reserved");
        }
        reserved -= qty;
    }

    /** Reserved units leave the building. */
    public void ship(int qty) {
        if (qty > reserved || qty > onHand) {
            throw new IllegalStateException(sku + ": cannot ship " + qty + " (" + onHand + " on hand, "
                    + reserved + " reserved)");
        }
        reserved -= qty;
        onHand -= qty;
        shipped += qty;
    }

    /** Units that arrived (a transfer in, a delivery); negative for a transfer out. */
    public void adjust(int qty) {
        if (onHand + qty < reserved) {
            throw new IllegalStateException(sku + ": adjusting by " + qty + " would leave less than is reserved");
        }
        onHand += qty;
    }
}
''',
    'src/main/java/depot/store/TransferDesk.java': r'''package depot.store;

/** Moves stock between sites. */
public final class TransferDesk {
    private int moved;

    /** Moves qty units of sku from one site to the other. Both sites stay locked while the units are in transit, so
     *  neither count is ever seen half-way. */
    public void move(Warehouse from, Warehouse to, String sku, int qty) {
        synchronized (from) {
            from.take(sku, qty);
            from.audit("out " + qty + " x " + sku + " to " + to.name());
            synchronized (to) {
                to.put(sku, qty);
                to.audit("in " + qty + " x " + sku + " from " + from.name());
            }
        }
        synchronized (this) {
            moved++;
        }
    }

    public synchronized int moved() {
        return moved;
    }
}
''',
    'src/main/java/depot/store/Warehouse.java': r'''package depot.store;

import depot.model.Sku;

import java.util.ArrayList;
import java.util.List;

/** A site with its own stock and an audit journal that is flushed to disk with every note. */
public final class Warehouse {
    private final String name;
    private final Inventory stock;
    private final List<String> journal = new ArrayList<>();

    public Warehouse(String name, List<Sku> catalog) {
        this.name = name;
        this.stock = Inventory.of(catalog);
    }

    public String name() { return name; }

    public void take(String sku, int qty) {
        stock.level(sku).adjust(-qty);
    }

    public void put(String sku, int qty) {
        stock.level(sku).adjust(qty);
    }

    /** Appends a note to the journal; the journal's fsync takes a while on the site's NFS mount. */
    public void audit(String note) {
        journal.add(name + ": " + note);
        try {
            Thread.sleep(250);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public int journalSize() {
        return journal.size();
    }
}
''',
    'src/test/java/depot/app/ReplayTest.java': r'''package depot.app;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import depot.model.Sku;
import depot.store.Inventory;
import java.util.List;
import org.junit.Test;

public class ReplayTest {
    private static Replay replay() {
        return new Replay(Inventory.of(List.of(
                new Sku("PN-0007", "Push-in fitting, 8 mm, straight", "D-04-1", 50, 10),
                new Sku("EL-0008", "Cable gland M20, nylon", "E-01-3", 200, 40))), true);
    }

    @Test
    public void aShiftReplaysCleanly() {
        Replay r = replay();
        r.replayLines("shift.csv", List.of(
                "# shift 1",
                "2026-12-01T09:00:00Z,RESERVE,R-000001,PN-0007,10,C0001",
                "2026-12-01T09:02:00Z,RESERVE,R-000002,EL-0008,20,C0002",
                "2026-12-01T09:05:00Z,CONFIRM,R-000002",
                "2026-12-01T09:12:00Z,RELEASE,R-000001",
                "2026-12-01T09:40:00Z,SHIP,R-000002"));
        assertEquals(180, r.inventory().level("EL-0008").onHand());
        assertEquals(50, r.inventory().level("PN-0007").available());
    }

    @Test
    public void anUnreadableLineEndsTheFile() {
        Replay r = replay();
        ReplayException e = assertThrows(ReplayException.class, () -> r.replayLines("shift.csv", List.of(
                "2026-12-01T09:00:00Z,RESERVE,R-000001,PN-0007,1O,C0001")));
        assertEquals("shift.csv:1: unreadable line, the rest of the file is skipped", e.getMessage());
    }

    @Test
    public void aLapsedHoldCannotBeConfirmed() {
        Replay r = replay();
        ReplayException e = assertThrows(ReplayException.class, () -> r.replayLines("shift.csv", List.of(
                "2026-12-01T09:00:00Z,RESERVE,R-000001,PN-0007,10,C0001",
                "2026-12-01T09:30:00Z,CONFIRM,R-000001")));
        assertEquals("R-000001: no open reservation (its hold expired)", e.getCause().getMessage());
    }
}
''',
    'src/test/java/depot/io/CatalogLoaderTest.java': r'''package depot.io;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import depot.model.Sku;
import java.util.List;
import org.junit.Test;

public class CatalogLoaderTest {
    private static final String HEADER = "code\tdescription\tlocation\ton_hand\treorder_at";

    @Test
    public void readsTheCatalog() {
        List<Sku> skus = CatalogLoader.parse(List.of(HEADER, "FA-0001\tHex bolt M8x40, zinc\tA-01-1\t500\t100",
                "", "SE-0002\tO-ring 20x2, NBR\tC-02-4\t1200\t300"));
        assertEquals(2, skus.size());
        assertEquals(new Sku("SE-0002", "O-ring 20x2, NBR", "C-02-4", 1200, 300), skus.get(1));
    }

    @Test
    public void aShortLineSaysWhere() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CatalogLoader.parse(List.of(HEADER, "FA-0001\tHex bolt\tA-01-1\t500")));
        assertEquals("catalog line 2: 5 fields expected, got 4", e.getMessage());
    }

    @Test
    public void aNegativeStockIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> CatalogLoader.parse(List.of(HEADER, "FA-0001\tHex bolt\tA-01-1\t-5\t100")));
    }
}
''',
    'src/test/java/depot/io/OrderLineTest.java': r'''package depot.io;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.time.Instant;
import org.junit.Test;

public class OrderLineTest {
    @Test
    public void aReserveLine() {
        OrderLine l = OrderLine.parse("2026-12-01T09:14:03.118Z,RESERVE,R-004117,HY-0101,5,C0042");
        assertEquals(Instant.parse("2026-12-01T09:14:03.118Z"), l.at());
        assertEquals("RESERVE", l.action());
        assertEquals("HY-0101", l.sku());
        assertEquals(5, l.qty());
        assertEquals("C0042", l.customer());
    }

    @Test
    public void aShipLine() {
        OrderLine l = OrderLine.parse("2026-12-01T09:30:00Z,SHIP,R-004117");
        assertEquals("R-004117", l.id());
        assertNull(l.sku());
    }

    @Test
    public void aBadQuantityKeepsItsCause() {
        OrderLineException e = assertThrows(OrderLineException.class,
                () -> OrderLine.parse("2026-12-01T09:14:03Z,RESERVE,R-1,HY-0101,1O,C0042"));
        assertTrue(e.getCause() instanceof NumberFormatException);
    }

    @Test
    public void aBadTimestamp() {
        assertThrows(OrderLineException.class, () -> OrderLine.parse("01/12/2026 09:14,SHIP,R-1"));
    }

    @Test
    public void anUnknownAction() {
        OrderLineException e = assertThrows(OrderLineException.class,
                () -> OrderLine.parse("2026-12-01T09:14:03Z,REFUND,R-1"));
        assertEquals("unknown action REFUND: 2026-12-01T09:14:03Z,REFUND,R-1", e.getMessage());
    }

    @Test
    public void tooFewFields() {
        assertThrows(OrderLineException.class, () -> OrderLine.parse("2026-12-01T09:14:03Z,RESERVE,R-1,HY-0101"));
    }
}
''',
    'src/test/java/depot/io/StockReportTest.java': r'''package depot.io;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import depot.model.Sku;
import depot.store.Inventory;
import java.util.List;
import org.junit.Test;

public class StockReportTest {
    private final Inventory inv = Inventory.of(List.of(new Sku("FA-0001", "Hex bolt \"M8\"", "A-01-1", 10, 4)));

    @Test
    public void quotesAreEscaped() {
        String json = StockReport.render(inv, "2026-12-01T18:00:00Z", 1, 0, 0, List.of());
        assertTrue(json, json.contains("\"description\": \"Hex bolt \\\"M8\\\"\""));
    }

    @Test
    public void statusFollowsTheReorderLevel() {
        assertEquals("ok", StockReport.status(inv.sku("FA-0001"), inv.level("FA-0001")));
        inv.level("FA-0001").reserve(6);
        assertEquals("reorder", StockReport.status(inv.sku("FA-0001"), inv.level("FA-0001")));
        inv.level("FA-0001").reserve(4);
        assertEquals("out", StockReport.status(inv.sku("FA-0001"), inv.level("FA-0001")));
    }

    @Test
    public void abandonedFilesAreListed() {
        String json = StockReport.render(inv, "x", 2, 5, 1, List.of("orders-0002.csv"));
        assertTrue(json, json.contains("\"abandoned_files\": [\"orders-0002.csv\"]"));
    }
}
''',
    'src/test/java/depot/service/ReservationServiceTest.java': r'''package depot.service;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import depot.model.Reservation;
import depot.model.Sku;
import depot.store.Inventory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.Before;
import org.junit.Test;

public class ReservationServiceTest {
    private static final Instant T0 = Instant.parse("2026-12-01T09:00:00Z");

    private Inventory inv;
    private ReservationService svc;

    @Before
    public void setUp() {
        inv = Inventory.of(List.of(new Sku("HY-0001", "Hydraulic hose, 1/4 inch, 10 m reel", "A-01-1", 10, 2),
                new Sku("BE-0002", "Deep groove ball bearing 6204-2RS", "B-03-2", 40, 10)));
        svc = new ReservationService(inv);
    }

    private static Instant at(int minutes) {
        return T0.plus(Duration.ofMinutes(minutes));
    }

    @Test
    public void aReservationHoldsItsUnits() {
        assertTrue(svc.reserve("R-1", "HY-0001", 4, "C0001", at(0)));
        assertEquals(6, inv.level("HY-0001").available());
    }

    @Test
    public void aReservationBeyondTheStockIsRefused() {
        assertFalse(svc.reserve("R-1", "HY-0001", 11, "C0001", at(0)));
        assertEquals(0, inv.level("HY-0001").reserved());
        assertTrue(svc.open().isEmpty());
    }

    @Test
    public void anUnknownSkuIsAnError() {
        ReservationException e = assertThrows(ReservationException.class,
                () -> svc.reserve("R-1", "XX-0000", 1, "C0001", at(0)));
        assertEquals("R-1: unknown SKU XX-0000", e.getMessage());
    }

    @Test
    public void anIdIsUsedOnce() {
        svc.reserve("R-1", "HY-0001", 1, "C0001", at(0));
        assertThrows(ReservationException.class, () -> svc.reserve("R-1", "HY-0001", 1, "C0001", at(1)));
    }

    @Test
    public void anUnconfirmedHoldLapses() {
        svc.reserve("R-1", "HY-0001", 4, "C0001", at(0));
        assertEquals(List.of("R-1"), svc.sweepExpired(at(16)));
        assertEquals(10, inv.level("HY-0001").available());
    }

    @Test
    public void aHoldIsKeptUntilItsDeadline() {
        svc.reserve("R-1", "HY-0001", 4, "C0001", at(0));
        assertEquals(List.of(), svc.sweepExpired(at(14)));
        assertEquals(6, inv.level("HY-0001").available());
    }

    @Test
    public void aConfirmedOrderOutlivesItsHold() {
        svc.reserve("R-1", "HY-0001", 4, "C0001", at(0));
        svc.confirm("R-1");
        svc.sweepExpired(at(20));
        assertEquals("reserved units after the sweep", 4, inv.level("HY-0001").reserved());
    }

    @Test
    public void theSweepOnlyEndsHolds() {
        svc.reserve("R-1", "HY-0001", 2, "C0001", at(0));
        svc.reserve("R-2", "BE-0002", 5, "C0002", at(1));
        svc.reserve("R-3", "HY-0001", 3, "C0003", at(10));
        svc.confirm("R-2");
        assertEquals("swept at 09:20", List.of("R-1"), svc.sweepExpired(at(20)));
    }

    @Test
    public void aConfirmedOrderShips() {
        svc.reserve("R-1", "BE-0002", 5, "C0002", at(0));
        svc.confirm("R-1");
        Reservation r = svc.ship("R-1");
        assertEquals(5, r.quantity());
        assertEquals(35, inv.level("BE-0002").onHand());
        assertEquals(0, inv.level("BE-0002").reserved());
    }

    @Test
    public void anUnconfirmedOrderDoesNotShip() {
        svc.reserve("R-1", "BE-0002", 5, "C0002", at(0));
        ReservationException e = assertThrows(ReservationException.class, () -> svc.ship("R-1"));
        assertEquals("R-1: not confirmed, cannot ship", e.getMessage());
    }

    @Test
    public void aReleasedReservationGivesItsUnitsBack() {
        svc.reserve("R-1", "BE-0002", 5, "C0002", at(0));
        svc.release("R-1");
        assertEquals(40, inv.level("BE-0002").available());
        assertThrows(ReservationException.class, () -> svc.release("R-1"));
    }

    @Test
    public void aLapsedHoldSaysSo() {
        svc.reserve("R-1", "HY-0001", 4, "C0001", at(0));
        svc.sweepExpired(at(30));
        ReservationException e = assertThrows(ReservationException.class, () -> svc.confirm("R-1"));
        assertEquals("R-1: no open reservation (its hold expired)", e.getMessage());
    }
}
''',
    'src/test/java/depot/store/StockLevelTest.java': r'''package depot.store;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class StockLevelTest {
    @Test
    public void aReservationTakesFromAvailable() {
        StockLevel lv = new StockLevel("FA-0001", 10);
        assertTrue(lv.reserve(4));
        assertEquals(6, lv.available());
        assertEquals(10, lv.onHand());
    }

    @Test
    public void exactlyWhatIsAvailableCanBeReserved() {
        StockLevel lv = new StockLevel("FA-0001", 10);
        assertTrue(lv.reserve(10));
        assertEquals(0, lv.available());
    }

    @Test
    public void tooManyIsRefusedAndCounted() {
        StockLevel lv = new StockLevel("FA-0001", 3);
        assertFalse(lv.reserve(4));
        assertEquals(1, lv.refused());
        assertEquals(0, lv.reserved());
    }

    @Test
    public void shippingTakesFromBothCounts() {
        StockLevel lv = new StockLevel("FA-0001", 10);
        lv.reserve(4);
        lv.ship(4);
        assertEquals(6, lv.onHand());
        assertEquals(0, lv.reserved());
        assertEquals(4, lv.shipped());
    }

    @Test
    public void releasingMoreThanIsReservedThrows() {
        StockLevel lv = new StockLevel("FA-0001", 10);
        lv.reserve(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> lv.release(3));
        assertEquals("FA-0001: cannot release 3, only 2 reserved", e.getMessage());
    }

    @Test
    public void aTransferOutCannotTakeReservedUnits() {
        StockLevel lv = new StockLevel("FA-0001", 10);
        lv.reserve(8);
        assertThrows(IllegalStateException.class, () -> lv.adjust(-3));
        lv.adjust(-2);
        assertEquals(8, lv.onHand());
    }

    @Test
    public void negativeStockIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new StockLevel("FA-0001", -1));
    }
}
''',
    'src/test/java/depot/store/TransferDeskTest.java': r'''package depot.store;

import static org.junit.Assert.assertEquals;

import depot.model.Sku;
import java.util.List;
import org.junit.Test;

public class TransferDeskTest {
    @Test
    public void aTransferMovesTheUnits() {
        List<Sku> catalog = List.of(new Sku("FA-0001", "Hex bolt M8x40, zinc", "A-01-1", 100, 10));
        Warehouse dub = new Warehouse("DUB", catalog);
        Warehouse rtm = new Warehouse("RTM", catalog);
        TransferDesk desk = new TransferDesk();
        desk.move(dub, rtm, "FA-0001", 30);
        assertEquals(1, desk.moved());
        assertEquals(2, dub.journalSize() + rtm.journalSize());
    }
}
''',
}
