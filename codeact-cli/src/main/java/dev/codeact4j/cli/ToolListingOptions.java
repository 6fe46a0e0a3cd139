package dev.codeact4j.cli;

import dev.codeact4j.tools.ToolListing;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * How the agents show the host tools to the model, shared by {@code run}, {@code mcp} and {@code serve} through
 * {@code @Mixin}: each option over the config file's key, else the default.
 */
final class ToolListingOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--tool-listing", paramLabel = "full|search|auto", converter = ListingConverter.class,
            description = "How the model is shown the host tools: full (every signature in the system prompt), "
                    + "search (their groups and names; the code finds them with search_tools and help), or auto "
                    + "(the default: search when the full listing takes more than the budget).")
    ToolListing listing;

    @Option(names = "--tool-listing-budget", paramLabel = "TOKENS",
            description = "The tokens the tool descriptions may take in the system prompt (default: config "
                    + "toolListingBudget, else " + ToolListing.DEFAULT_BUDGET + "): above it auto searches, and search "
                    + "names only the tool groups.")
    Integer budget;

    /** The option's listing, else the config file's, else auto. */
    ToolListing listing(CliConfig config) {
        return listing != null ? listing : config.toolListing() != null ? config.toolListing() : ToolListing.AUTO;
    }

    /** The option's budget, else the config file's, else the default; a negative one is a usage error. */
    int budget(CliConfig config) {
        if (budget != null && budget < 0) {
            throw new ParameterException(command.commandLine(),
                    "--tool-listing-budget must be a whole number of tokens, 0 or more, got " + budget + ".");
        }
        return budget != null ? budget : config.toolListingBudget() != null ? config.toolListingBudget()
                : ToolListing.DEFAULT_BUDGET;
    }

    static final class ListingConverter extends ParsingConverter<ToolListing> {
        ListingConverter() {
            super(ToolListing::parse);
        }
    }
}
