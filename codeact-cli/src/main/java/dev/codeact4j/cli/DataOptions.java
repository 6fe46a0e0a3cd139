package dev.codeact4j.cli;

import dev.codeact4j.cli.render.Colors;
import dev.codeact4j.data.DataListing;
import dev.codeact4j.data.DatasetSpec;
import dev.codeact4j.data.DatasetSplit;
import dev.codeact4j.data.HubDatasets;
import dev.codeact4j.sandbox.DataMount;
import dev.codeact4j.sandbox.SandboxPolicy;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The data a session reads, as options shared by {@code run} and {@code exec} through {@code @Mixin}: local files and
 * directories ({@code --data}) and Hugging Face datasets ({@code --dataset}), both besides those of the config file.
 * {@link #offer} fetches the datasets (or finds them in the cache), puts everything in the policy, and writes what
 * the model is told of it.
 */
final class DataOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--data", paramLabel = "PATH",
            description = "A file or directory the code may read, at /work/data/ and its name (read-only, not copied); "
                    + "the model is told what is there (sizes; for CSV, JSON and Parquet the columns and first rows). "
                    + "May be repeated.")
    List<Path> data = new ArrayList<>();

    @Option(names = "--dataset", paramLabel = "hf:OWNER/NAME[:CONFIG[:SPLIT]]",
            description = "A Hugging Face dataset, fetched from the Hub (HF_TOKEN for gated or private ones, HF_ENDPOINT "
                    + "for a mirror) and cached under $CODEACT_HOME/datasets: at /work/data/hf/OWNER/NAME/CONFIG/SPLIT, "
                    + "and in Python load_dataset(\"OWNER/NAME\", split=...) gives a pandas DataFrame. May be repeated.")
    List<String> datasets = new ArrayList<>();

    @Option(names = "--dataset-max-mb", paramLabel = "MB",
            description = "The most data files one --dataset may download (default: ${DEFAULT-VALUE}).")
    int datasetMaxMb = HubDatasets.DEFAULT_MAX_MB;

    @Option(names = "--dataset-refresh",
            description = "Ask the Hub whether cached datasets changed, and fetch again the splits that did (by "
                    + "default a cached dataset is used without any request).")
    boolean datasetRefresh;

    /** What the session gets: the policy with the data in it, and what the model is told of the data. */
    record Offer(SandboxPolicy policy, String listing) {
    }

    /**
     * The policy with the config file's and the options' data in it, the datasets fetched (or found in the cache;
     * each said on {@code err}), and the listing for the prompt (empty without data). A path that does not exist, a
     * dataset that is not hf:OWNER/NAME[:CONFIG[:SPLIT]], or two data paths of the same name are usage errors; a
     * dataset that cannot be fetched throws a DatasetException that says why.
     */
    Offer offer(SandboxPolicy policy, CliConfig config, Path home, Map<String, String> environment,
                PrintWriter err, Colors colors) {
        if (data.isEmpty() && datasets.isEmpty() && config.data().isEmpty() && config.datasets().isEmpty()) {
            return new Offer(policy, "");
        }
        List<DataMount> local = new ArrayList<>();
        for (String path : config.data()) {
            local.add(mount(home.resolve(path), "the config file's \"data\" names " + path));
        }
        for (Path path : data) {
            local.add(mount(path, "--data " + path));
        }
        Set<DatasetSpec> specs = new LinkedHashSet<>();
        config.datasets().forEach(spec -> specs.add(DatasetSpec.parse(spec)));
        for (String spec : datasets) {
            try {
                specs.add(DatasetSpec.parse(spec));
            } catch (IllegalArgumentException e) {
                throw usageError("Invalid value for option '--dataset': " + e.getMessage() + ".");
            }
        }
        if (datasetMaxMb < 1) {
            throw usageError("--dataset-max-mb must be at least 1, got " + datasetMaxMb + ".");
        }
        List<DatasetSplit> splits = new ArrayList<>();
        if (!specs.isEmpty()) {
            HubDatasets hub;
            try {
                hub = HubDatasets.fromEnvironment(environment, home).maxMb(datasetMaxMb).refresh(datasetRefresh)
                        .progress(line -> {
                            err.println(colors.faint("[dataset " + line + "]"));
                            err.flush();
                        }).build();
            } catch (IllegalArgumentException e) {
                throw usageError(e.getMessage() + ".");
            }
            for (DatasetSpec spec : specs) {
                for (DatasetSplit split : hub.fetch(spec)) {
                    if (splits.stream().noneMatch(other -> other.mount().name().equals(split.mount().name()))) {
                        splits.add(split);
                    }
                }
            }
        }
        SandboxPolicy offered;
        try {
            offered = HubDatasets.offerTo(policy.toBuilder().data(local.toArray(DataMount[]::new)).build(), splits);
        } catch (IllegalArgumentException e) {
            throw usageError("Invalid data: " + e.getMessage() + ".");
        }
        return new Offer(offered, DataListing.describe(local, splits, policy.language()));
    }

    private DataMount mount(Path path, String given) {
        Path absolute;
        try {
            absolute = path.toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw usageError(given + ", which is not a valid path: " + e.getReason() + ".");
        }
        if (!Files.exists(absolute)) {
            throw usageError(given + ", which does not exist: name an existing file or directory.");
        }
        try {
            return DataMount.of(absolute);
        } catch (IllegalArgumentException e) {
            throw usageError(given + ": " + e.getMessage() + ".");
        }
    }

    private ParameterException usageError(String message) {
        return new ParameterException(command.commandLine(), message);
    }
}
