package dev.codeact4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.data.DatasetException.Kind;
import dev.codeact4j.data.HubClient.HubFile;
import dev.codeact4j.sandbox.DataMount;
import dev.codeact4j.sandbox.Language;
import dev.codeact4j.sandbox.SandboxPolicy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Hugging Face datasets for sessions: {@link #fetch} finds a dataset's data files on the Hub, downloads them, converts
 * each split into JSON Lines with its column types ({@link DatasetSplit}), and keeps the result in a cache, so that a
 * second run makes no request at all.
 *
 * <p>The files: those the Hub converted to Parquet (the {@code refs/convert/parquet} revision, laid out as
 * {@code CONFIG/SPLIT/NNNN.parquet}), which every public dataset has; for a dataset without them, its own Parquet,
 * CSV and JSON Lines files, in one config ({@code default}), their splits told by their names as the Hub's
 * {@code datasets} library tells them ({@code train}, {@code validation}/{@code valid}/{@code dev}, {@code test}).
 *
 * <p>The cache, under {@code CACHE/hf/ENDPOINT/OWNER/NAME/}: {@code dataset.json} (the configs and splits the Hub
 * listed, with their files' sizes and hashes) and a directory per split ({@code CONFIG/SPLIT/}). It is keyed by the
 * endpoint, the dataset, its config and its split; an entry is a snapshot of the files as they were when fetched and
 * is used as it is, without asking the Hub, until {@linkplain Builder#refresh refreshed} (then the Hub is asked for
 * its files, and a split whose files changed is fetched again) or deleted. A split is written whole or not at all
 * (it is built beside and moved in place), so a fetch that broke off leaves nothing half-done.
 */
public final class HubDatasets {
    public static final int DEFAULT_MAX_MB = 500;
    /** Where the Hub keeps the Parquet files it converted every dataset to. */
    static final String PARQUET_REVISION = "refs/convert/parquet";
    static final String MAIN_REVISION = "main";
    static final String LAYOUT_FILE = "dataset.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._ -]*");
    /** Files in a dataset's repository that describe it rather than hold its rows. */
    private static final Pattern METADATA = Pattern.compile(
            "(dataset_infos?|dataset_dict|state|config|.*_config|.*metadata)\\.json", Pattern.CASE_INSENSITIVE);
    /** The words that name a split in a file's path, as the datasets library reads them. */
    private static final Map<String, String> SPLIT_WORDS = Map.ofEntries(
            Map.entry("train", "train"), Map.entry("training", "train"),
            Map.entry("validation", "validation"), Map.entry("valid", "validation"), Map.entry("val", "validation"),
            Map.entry("dev", "validation"),
            Map.entry("test", "test"), Map.entry("testing", "test"), Map.entry("eval", "test"),
            Map.entry("evaluation", "test"));
    private static final List<String> SPLIT_ORDER = List.of("train", "validation", "test");
    private static final Map<Path, Object> LOCKS = new ConcurrentHashMap<>();

    private final HubClient hub;
    private final Path cache;
    private final long maxBytes;
    private final boolean refresh;
    private final Consumer<String> progress;

    private HubDatasets(Builder builder) {
        this.hub = new HubClient(builder.endpoint, builder.token);
        this.cache = builder.cacheDirectory.resolve("hf").resolve(endpointKey(URI.create(hub.endpoint())));
        this.maxBytes = (long) builder.maxMb * 1024 * 1024;
        this.refresh = builder.refresh;
        this.progress = builder.progress;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder set as Hugging Face's own clients are: the endpoint from {@code HF_ENDPOINT} (default
     * {@code https://huggingface.co}), the token from {@code HF_TOKEN}; the cache in {@code home}'s {@code datasets}.
     */
    public static Builder fromEnvironment(Map<String, String> environment, Path home) {
        Builder builder = builder().cacheDirectory(home.resolve("datasets"));
        String endpoint = environment.get("HF_ENDPOINT");
        if (endpoint != null && !endpoint.isBlank()) {
            builder.endpoint(endpoint);
        }
        return builder.token(environment.get("HF_TOKEN"));
    }

    /**
     * {@code policy} with these splits readable at /work/data/hf/OWNER/NAME/CONFIG/SPLIT and, in a Python session,
     * {@code load_dataset(name, split=None, config=None)} defined in every interpreter (its startup code), which reads
     * a split as a pandas DataFrame with its columns' dtypes.
     */
    public static SandboxPolicy offerTo(SandboxPolicy policy, List<DatasetSplit> splits) {
        if (splits.isEmpty()) {
            return policy;
        }
        SandboxPolicy.Builder builder = policy.toBuilder().data(splits.stream().map(DatasetSplit::mount).toArray(DataMount[]::new));
        if (policy.language() == Language.PYTHON) {
            builder.startupCode(LOAD_DATASET);
        }
        return builder.build();
    }

    /**
     * Python that defines load_dataset in the session's namespace. Its module runs in a namespace of its own, so that
     * its imports (os, json, pandas) are its own and not the code's, which the policy may not allow.
     */
    static final String LOAD_DATASET = loadDatasetCode();

    private static String loadDatasetCode() {
        String source;
        try (var in = HubDatasets.class.getResourceAsStream("load_dataset.py")) {
            source = new String(Objects.requireNonNull(in, "load_dataset.py is in the jar").readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "def _codeact_load_dataset():\n"
                + "    scope = {'__name__': 'codeact_datasets'}\n"
                + "    exec(compile(" + com.fasterxml.jackson.databind.node.TextNode.valueOf(source)
                + ", 'codeact_datasets.py', 'exec'), scope)\n"
                + "    return scope['load_dataset']\n"
                + "load_dataset = _codeact_load_dataset()\n"
                + "del _codeact_load_dataset\n";
    }

    /** The endpoint the datasets come from. */
    public String endpoint() {
        return hub.endpoint();
    }

    /**
     * The splits {@code spec} names, from the cache when they are there (no request), else fetched from the Hub and
     * converted. Throws {@link DatasetException} saying what is wrong: an unknown dataset, one that needs a token,
     * no network, a config or split that does not exist (naming those that do), files over the size limit.
     */
    public List<DatasetSplit> fetch(DatasetSpec spec) {
        Path directory = cache.resolve(spec.owner()).resolve(spec.name());
        synchronized (LOCKS.computeIfAbsent(directory, key -> new Object())) {
            try {
                Files.createDirectories(directory);
                try (FileChannel channel = FileChannel.open(directory.resolve(".lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE); FileLock ignored = channel.lock()) {
                    // Another codeact fetching the same dataset finishes first; this one then finds its work done.
                    return fetchLocked(spec, directory);
                }
            } catch (IOException e) {
                throw new DatasetException(Kind.FAILED, "the dataset cache " + directory + " cannot be written: "
                        + e.getMessage(), e);
            } finally {
                forgetIfEmpty(directory);
            }
        }
    }

    /** A dataset that could not be fetched leaves no directory behind (its lock file aside, it would be empty). */
    private static void forgetIfEmpty(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            if (entries.allMatch(entry -> entry.getFileName().toString().equals(".lock"))) {
                Files.deleteIfExists(directory.resolve(".lock"));
                Files.deleteIfExists(directory);
                Files.deleteIfExists(directory.getParent()); // the owner's, when no other dataset of it is there
            }
        } catch (IOException ignored) {
            // not empty, or already gone
        }
    }

    private List<DatasetSplit> fetchLocked(DatasetSpec spec, Path directory) throws IOException {
        if (!refresh) {
            Optional<List<DatasetSplit>> cached = fromCache(spec, directory);
            if (cached.isPresent()) {
                cached.get().forEach(split -> say(split.spec() + ": " + rows(split.rows()) + ", from the cache"));
                return cached.get();
            }
        }
        Layout layout = list(spec);
        write(directory.resolve(LAYOUT_FILE), layout.toJson(spec.repo(), hub.endpoint()));
        List<String[]> wanted = layout.wanted(spec);
        Map<String, DatasetSplit> cached = new LinkedHashMap<>();
        List<String[]> missing = new ArrayList<>();
        for (String[] pair : wanted) {
            cachedSplit(directory, pair[0], pair[1])
                    .filter(split -> sameSources(split, layout.files(pair[0], pair[1])))
                    .ifPresentOrElse(split -> cached.put(pair[0] + "/" + pair[1], split), () -> missing.add(pair));
        }
        long bytes = missing.stream().mapToLong(pair -> layout.bytes(pair[0], pair[1])).sum();
        if (bytes > maxBytes) {
            StringBuilder each = new StringBuilder();
            for (String[] pair : missing) {
                each.append(each.isEmpty() ? "" : ", ").append(pair[1]).append(' ')
                        .append(DataListing.size(layout.bytes(pair[0], pair[1])));
            }
            String[] smallest = missing.stream().min(Comparator.comparingLong(pair -> layout.bytes(pair[0], pair[1])))
                    .orElseThrow();
            throw new DatasetException(Kind.TOO_LARGE, spec + " is " + DataListing.size(bytes) + " of data files ("
                    + each + "), over the limit of " + DataListing.size(maxBytes) + ": name a smaller split (as hf:"
                    + spec.repo() + ":" + smallest[0] + ":" + smallest[1] + ") or raise the limit (--dataset-max-mb)");
        }
        List<DatasetSplit> splits = new ArrayList<>();
        long budget = maxBytes;
        for (String[] pair : wanted) {
            DatasetSplit split = cached.get(pair[0] + "/" + pair[1]);
            if (split == null) {
                split = fetchSplit(spec, directory, layout, pair[0], pair[1], budget);
                budget -= layout.bytes(pair[0], pair[1]);
            } else {
                say(split.spec() + ": " + rows(split.rows()) + ", from the cache (its files on the Hub are the same)");
            }
            splits.add(split);
        }
        return List.copyOf(splits);
    }

    /** The splits of {@code spec} when the cache has them all (no request made), else empty. */
    private Optional<List<DatasetSplit>> fromCache(DatasetSpec spec, Path directory) {
        if (spec.config() != null && spec.split() != null) {
            return cachedSplit(directory, spec.config(), spec.split()).map(List::of);
        }
        Optional<Layout> layout = Layout.read(directory.resolve(LAYOUT_FILE));
        if (layout.isEmpty()) {
            return Optional.empty();
        }
        List<String[]> wanted;
        try {
            wanted = layout.get().wanted(spec);
        } catch (DatasetException e) {
            return Optional.empty(); // the Hub may know more than the cache: ask it
        }
        List<DatasetSplit> splits = new ArrayList<>();
        for (String[] pair : wanted) {
            Optional<DatasetSplit> split = cachedSplit(directory, pair[0], pair[1]);
            if (split.isEmpty()) {
                return Optional.empty();
            }
            splits.add(split.get());
        }
        return Optional.of(splits);
    }

    private static Optional<DatasetSplit> cachedSplit(Path directory, String config, String split) {
        if (!SAFE_NAME.matcher(config).matches() || !SAFE_NAME.matcher(split).matches()) {
            return Optional.empty();
        }
        Path splitDirectory = directory.resolve(config).resolve(split);
        Path manifest = splitDirectory.resolve(DatasetSplit.MANIFEST);
        if (!Files.isRegularFile(manifest) || !Files.isRegularFile(splitDirectory.resolve(DatasetSplit.DATA_FILE))) {
            return Optional.empty();
        }
        try {
            JsonNode root = JSON.readTree(manifest.toFile());
            List<Column> columns = new ArrayList<>();
            for (JsonNode column : root.path("columns")) {
                columns.add(new Column(column.path("name").asText(), column.path("type").asText(),
                        column.path("dtype").asText()));
            }
            return Optional.of(new DatasetSplit(root.path("dataset").asText(), config, split, splitDirectory,
                    root.path("rows").asLong(), columns, true));
        } catch (IOException e) {
            return Optional.empty(); // unreadable: fetched again
        }
    }

    /** Whether a cached split was made from these files (same paths, sizes and hashes). */
    private static boolean sameSources(DatasetSplit split, List<HubFile> files) {
        try {
            JsonNode sources = JSON.readTree(split.directory().resolve(DatasetSplit.MANIFEST).toFile()).path("sources");
            // compared as read back, so that numbers are of the same kind of node on both sides
            return sources.equals(JSON.readTree(JSON.writeValueAsString(filesJson(files))));
        } catch (IOException e) {
            return false;
        }
    }

    /** The dataset's configs, splits and files, as the Hub lists them. */
    private Layout list(DatasetSpec spec) {
        say(spec + ": asking " + hub.endpoint() + " for its files");
        Optional<List<HubFile>> converted = hub.tree(spec, PARQUET_REVISION);
        if (converted.isPresent()) {
            Layout layout = Layout.ofConverted(converted.get());
            if (!layout.configs.isEmpty()) {
                return layout;
            }
        }
        List<HubFile> own = hub.tree(spec, MAIN_REVISION).orElseThrow(() -> new DatasetException(Kind.NOT_FOUND,
                spec.repo() + " has no revision 'main' on the Hub: is it a dataset?"));
        Layout layout = Layout.ofFiles(own);
        if (layout.configs.isEmpty()) {
            throw new DatasetException(Kind.NOT_FOUND, spec.repo() + " has no data files that codeact can read: the Hub "
                    + "has not converted it to Parquet, and it has no Parquet, CSV or JSON Lines files of its own");
        }
        return layout;
    }

    private DatasetSplit fetchSplit(DatasetSpec spec, Path directory, Layout layout, String config, String split,
                                    long budget) throws IOException {
        List<HubFile> files = layout.files(config, split);
        String name = "hf:" + spec.repo() + ":" + config + ":" + split;
        say(name + ": fetching " + files.size() + (files.size() == 1 ? " file" : " files") + " ("
                + DataListing.size(layout.bytes(config, split)) + ")");
        Path configDirectory = Files.createDirectories(directory.resolve(config));
        Path stage = configDirectory.resolve("." + split + ".partial-" + UUID.randomUUID());
        Path sources = Files.createDirectories(stage.resolve("sources"));
        try {
            List<Path> downloaded = new ArrayList<>();
            String commit = null;
            long left = budget;
            for (int index = 0; index < files.size(); index++) {
                HubFile file = files.get(index);
                String ending = Tables.Format.of(file.path()).map(format -> format.ending(file.path())).orElse("");
                Path target = sources.resolve(String.format(Locale.ROOT, "%05d", index) + ending);
                HubClient.Downloaded got = hub.download(spec, layout.revision, file, target, left);
                left -= got.bytes();
                commit = commit != null ? commit : got.commit();
                downloaded.add(target);
            }
            Tables.Converted converted;
            try (Tables tables = Tables.open(stage)) {
                converted = tables.toJsonLines(downloaded, stage.resolve(DatasetSplit.DATA_FILE));
            } catch (SQLException e) {
                throw new DatasetException(Kind.FAILED, "the files of " + name + " could not be read as "
                        + "Parquet, CSV or JSON: " + firstLine(e.getMessage()), e);
            }
            ObjectNode manifest = JSON.createObjectNode()
                    .put("dataset", spec.repo()).put("config", config).put("split", split)
                    .put("endpoint", hub.endpoint()).put("revision", layout.revision).put("commit", commit)
                    .put("rows", converted.rows()).put("data", DatasetSplit.DATA_FILE)
                    .put("fetchedAt", Instant.now().toString());
            ArrayNode columns = manifest.putArray("columns");
            converted.columns().forEach(column -> columns.addObject()
                    .put("name", column.name()).put("type", column.type()).put("dtype", column.dtype()));
            manifest.set("sources", filesJson(files));
            write(stage.resolve(DatasetSplit.MANIFEST), manifest);
            deleteRecursively(sources);
            readableByAll(stage);
            Path target = configDirectory.resolve(split);
            if (Files.exists(target)) { // refreshed: the old one goes
                Path old = configDirectory.resolve("." + split + ".old-" + UUID.randomUUID());
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                deleteRecursively(old);
            }
            Files.move(stage, target, StandardCopyOption.ATOMIC_MOVE);
            say(name + ": " + rows(converted.rows()) + ", converted to JSON Lines");
            return new DatasetSplit(spec.repo(), config, split, target, converted.rows(), converted.columns(), false);
        } finally {
            deleteRecursively(stage);
        }
    }

    /** The cache's files may be read by the sandbox's user, which is not the JVM's when the JVM is root. */
    private static void readableByAll(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.toList()) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
                        Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: its own rules apply
        }
    }

    private static ArrayNode filesJson(List<HubFile> files) {
        ArrayNode array = JSON.createArrayNode();
        for (HubFile file : files) {
            array.addObject().put("path", file.path()).put("size", file.size()).put("sha256", file.sha256());
        }
        return array;
    }

    /** The directory name of an endpoint in the cache: its host, and its port when it is not the scheme's own. */
    static String endpointKey(URI endpoint) {
        String key = endpoint.getHost() == null ? "endpoint" : endpoint.getHost().toLowerCase(Locale.ROOT);
        if (endpoint.getPort() != -1) {
            key += "_" + endpoint.getPort();
        }
        String path = endpoint.getPath() == null ? "" : endpoint.getPath().replaceAll("[^A-Za-z0-9._-]+", "_");
        return key + (path.isEmpty() || path.equals("_") ? "" : path);
    }

    private void say(String line) {
        progress.accept(line);
    }

    private static String rows(long rows) {
        return String.format(Locale.ROOT, "%,d %s", rows, rows == 1 ? "row" : "rows");
    }

    private static String firstLine(String text) {
        return text == null ? "" : text.lines().findFirst().orElse("");
    }

    private static void write(Path file, JsonNode json) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp-" + UUID.randomUUID());
        JSON.writeValue(temporary.toFile(), json);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | UncheckedIOException ignored) {
            // left for the next fetch, which builds beside it anyway
        }
    }

    /**
     * A dataset's configs, their splits, and each split's files, in a revision of the Hub.
     *
     * @param revision where the files are: {@value #PARQUET_REVISION} or {@value #MAIN_REVISION}
     */
    private record Layout(String revision, Map<String, Map<String, List<HubFile>>> configs) {

        /** The Hub's conversion: CONFIG/SPLIT/NNNN.parquet, CONFIG/partial-SPLIT/NNNN.parquet (a big split's first 5 GB), or the older CONFIG/NAME-SPLIT[-NNNNN-of-NNNNN].parquet. */
        static Layout ofConverted(List<HubFile> files) {
            Map<String, Map<String, List<HubFile>>> configs = new TreeMap<>(CONFIG_ORDER);
            for (HubFile file : files) {
                String[] parts = file.path().split("/");
                if (!file.path().endsWith(".parquet") || parts.length < 2 || parts.length > 3) {
                    continue;
                }
                String split = parts.length == 3
                        ? (parts[1].startsWith("partial-") ? parts[1].substring("partial-".length()) : parts[1])
                        : oldSplitName(parts[1]);
                add(configs, parts[0], split, file);
            }
            return new Layout(PARQUET_REVISION, sorted(configs));
        }

        /** A repository's own data files, in the config "default", split by the words in their paths (else "train"). */
        static Layout ofFiles(List<HubFile> files) {
            Map<String, Map<String, List<HubFile>>> configs = new TreeMap<>(CONFIG_ORDER);
            for (HubFile file : files) {
                String fileName = file.path().substring(file.path().lastIndexOf('/') + 1);
                boolean hidden = Stream.of(file.path().split("/")).anyMatch(part -> part.startsWith(".") || part.startsWith("_"));
                if (hidden || Tables.Format.of(fileName).isEmpty() || METADATA.matcher(fileName).matches()) {
                    continue;
                }
                add(configs, "default", splitOf(file.path()), file);
            }
            return new Layout(MAIN_REVISION, sorted(configs));
        }

        private static void add(Map<String, Map<String, List<HubFile>>> configs, String config, String split, HubFile file) {
            if (SAFE_NAME.matcher(config).matches() && SAFE_NAME.matcher(split).matches()) {
                configs.computeIfAbsent(config, key -> new TreeMap<>(SPLIT_ORDER_COMPARATOR))
                        .computeIfAbsent(split, key -> new ArrayList<>()).add(file);
            }
        }

        private static Map<String, Map<String, List<HubFile>>> sorted(Map<String, Map<String, List<HubFile>>> configs) {
            configs.values().forEach(splits -> splits.values().forEach(list -> list.sort(Comparator.comparing(HubFile::path))));
            return configs;
        }

        private static String oldSplitName(String fileName) {
            String stem = fileName.substring(0, fileName.length() - ".parquet".length()).replaceAll("-\\d{5}-of-\\d{5}$", "");
            return stem.substring(stem.lastIndexOf('-') + 1);
        }

        private static String splitOf(String path) {
            for (String word : path.toLowerCase(Locale.ROOT).split("[/._ -]+")) {
                String split = SPLIT_WORDS.get(word);
                if (split != null) {
                    return split;
                }
            }
            return "train";
        }

        List<HubFile> files(String config, String split) {
            return configs.getOrDefault(config, Map.of()).getOrDefault(split, List.of());
        }

        long bytes(String config, String split) {
            return files(config, split).stream().mapToLong(file -> Math.max(0, file.size())).sum();
        }

        /** The (config, split) pairs {@code spec} names, or what is wrong with it, naming what there is. */
        List<String[]> wanted(DatasetSpec spec) {
            Set<String> names = configs.keySet();
            String config = spec.config();
            if (config == null) {
                if (names.contains("default")) {
                    config = "default";
                } else if (names.size() == 1) {
                    config = names.iterator().next();
                } else {
                    throw new DatasetException(Kind.NO_SUCH_SPLIT, spec.repo() + " has several configs: "
                            + String.join(", ", names) + "; name one, as hf:" + spec.repo() + ":" + names.iterator().next());
                }
            } else if (!names.contains(config)) {
                throw new DatasetException(Kind.NO_SUCH_SPLIT, spec.repo() + " has no config '" + config + "'; its "
                        + (names.size() == 1 ? "config is " : "configs are ") + String.join(", ", names));
            }
            Map<String, List<HubFile>> splits = configs.get(config);
            if (spec.split() != null && !splits.containsKey(spec.split())) {
                throw new DatasetException(Kind.NO_SUCH_SPLIT, spec.repo() + " (config " + config + ") has no split '"
                        + spec.split() + "'; its " + (splits.size() == 1 ? "split is " : "splits are ")
                        + String.join(", ", splits.keySet()));
            }
            String chosen = config;
            return (spec.split() != null ? List.of(spec.split()) : List.copyOf(splits.keySet())).stream()
                    .map(split -> new String[] {chosen, split}).toList();
        }

        ObjectNode toJson(String repo, String endpoint) {
            ObjectNode root = JSON.createObjectNode().put("dataset", repo).put("endpoint", endpoint)
                    .put("revision", revision).put("listedAt", Instant.now().toString());
            ObjectNode configsJson = root.putObject("configs");
            configs.forEach((config, splits) -> {
                ObjectNode splitsJson = configsJson.putObject(config);
                splits.forEach((split, files) -> splitsJson.set(split, filesJson(files)));
            });
            return root;
        }

        static Optional<Layout> read(Path file) {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            try {
                JsonNode root = JSON.readTree(file.toFile());
                Map<String, Map<String, List<HubFile>>> configs = new TreeMap<>(CONFIG_ORDER);
                root.path("configs").fields().forEachRemaining(config -> config.getValue().fields().forEachRemaining(split -> {
                    for (JsonNode file1 : split.getValue()) {
                        add(configs, config.getKey(), split.getKey(), new HubFile(file1.path("path").asText(),
                                file1.path("size").asLong(), file1.path("sha256").isNull() ? null : file1.path("sha256").asText()));
                    }
                }));
                return Optional.of(new Layout(root.path("revision").asText(), configs));
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }
    }

    /** "default" first, then by name. */
    private static final Comparator<String> CONFIG_ORDER = Comparator.comparing((String name) -> !name.equals("default"))
            .thenComparing(Comparator.naturalOrder());
    /** train, validation, test, then the others by name. */
    private static final Comparator<String> SPLIT_ORDER_COMPARATOR = Comparator.comparingInt((String name) -> {
        int index = SPLIT_ORDER.indexOf(name);
        return index < 0 ? SPLIT_ORDER.size() : index;
    }).thenComparing(Comparator.naturalOrder());

    public static final class Builder {
        private String endpoint = HubClient.DEFAULT_ENDPOINT;
        private String token;
        private Path cacheDirectory;
        private int maxMb = DEFAULT_MAX_MB;
        private boolean refresh;
        private Consumer<String> progress = line -> { };

        private Builder() {
        }

        /** The Hub's address (HF_ENDPOINT), {@code https://huggingface.co} by default; a mirror or a proxy speaks the same API. */
        public Builder endpoint(String endpoint) {
            String url = HubClient.stripSlash(Objects.requireNonNull(endpoint, "endpoint"));
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the Hugging Face endpoint '" + endpoint + "' is not a URL: "
                        + e.getMessage());
            }
            if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                    || uri.getHost() == null) {
                throw new IllegalArgumentException("the Hugging Face endpoint '" + endpoint + "' (HF_ENDPOINT) must be "
                        + "an http(s) URL such as https://huggingface.co");
            }
            this.endpoint = url;
            return this;
        }

        /** An access token, sent as a bearer token to the endpoint (never to the hosts it redirects to); null for none. */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** Where the fetched datasets are kept (a codeact home's {@code datasets}). */
        public Builder cacheDirectory(Path cacheDirectory) {
            this.cacheDirectory = cacheDirectory;
            return this;
        }

        /** The most megabytes of data files one {@link #fetch} may download ({@value #DEFAULT_MAX_MB} by default). */
        public Builder maxMb(int maxMb) {
            if (maxMb < 1) {
                throw new IllegalArgumentException("the dataset size limit must be at least 1 MB, got " + maxMb);
            }
            this.maxMb = maxMb;
            return this;
        }

        /** Asks the Hub for the files of cached datasets, and fetches a split again when they changed. */
        public Builder refresh(boolean refresh) {
            this.refresh = refresh;
            return this;
        }

        /** Told, a line at a time, what is fetched and what comes from the cache. */
        public Builder progress(Consumer<String> progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        public HubDatasets build() {
            Objects.requireNonNull(cacheDirectory, "the datasets need a cache directory");
            return new HubDatasets(this);
        }
    }
}
