package dev.codeact4j.cli;

import dev.codeact4j.cli.render.Colors;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Where the agents' spans go. When the standard OpenTelemetry variables ask for traces
 * ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}, or {@code OTEL_TRACES_EXPORTER}
 * other than {@code none}), an OpenTelemetry SDK that those variables configure exports them by OTLP over HTTP;
 * closing it sends what is left. Otherwise they go nowhere and the SDK is not even loaded. The OpenTelemetry
 * Java agent's instance, when codeact runs under it, is used as it is.
 */
final class TraceExport implements AutoCloseable {
    private static final TraceExport NONE = new TraceExport(OpenTelemetry.noop(), null);

    private final OpenTelemetry openTelemetry;
    private final AutoCloseable sdk;

    private TraceExport(OpenTelemetry openTelemetry, AutoCloseable sdk) {
        this.openTelemetry = openTelemetry;
        this.sdk = sdk;
    }

    /** What {@code environment} asks for; a configuration the SDK rejects is reported on {@code err}, and then nothing is exported. */
    static TraceExport start(Map<String, String> environment, PrintWriter err, Colors colors) {
        if (GlobalOpenTelemetry.isSet()) {
            return new TraceExport(GlobalOpenTelemetry.get(), null);
        }
        if (!wanted(environment)) {
            return NONE;
        }
        try {
            OpenTelemetry sdk = Sdk.start(environment, err, colors);
            return new TraceExport(sdk, (AutoCloseable) sdk);
        } catch (RuntimeException e) {
            err.println(colors.yellow("codeact: tracing is off: the OTEL_* variables do not configure an OTLP/HTTP "
                    + "exporter (" + deepestMessage(e) + ")"));
            err.flush();
            return NONE;
        }
    }

    /** The SDK wraps what went wrong in general words; the cause says what. */
    private static String deepestMessage(Throwable failure) {
        String message = failure.toString();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message;
    }

    /** Whether the variables ask for traces to be exported. */
    static boolean wanted(Map<String, String> environment) {
        if ("true".equalsIgnoreCase(value(environment, "OTEL_SDK_DISABLED"))) {
            return false;
        }
        String exporter = value(environment, "OTEL_TRACES_EXPORTER");
        if (exporter != null) {
            return !exporter.equalsIgnoreCase("none");
        }
        return value(environment, "OTEL_EXPORTER_OTLP_ENDPOINT") != null
                || value(environment, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != null;
    }

    private static String value(Map<String, String> environment, String name) {
        String value = environment.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }

    OpenTelemetry openTelemetry() {
        return openTelemetry;
    }

    /** Sends the spans not sent yet (waiting for the exporter's timeout at most) and stops the SDK. */
    @Override
    public void close() {
        if (sdk != null) {
            try {
                sdk.close();
            } catch (Exception e) {
                // the SDK reports its own export failures; nothing else to do at exit
            }
        }
    }

    /** The SDK's classes are loaded with this class, which only a run that exports touches. */
    private static final class Sdk {
        /** Kept, because java.util.logging forgets the settings of loggers nobody holds. */
        private static final Logger SDK_LOGGER = Logger.getLogger("io.opentelemetry");

        static OpenTelemetry start(Map<String, String> environment, PrintWriter err, Colors colors) {
            reportProblemsBriefly(err, colors);
            Map<String, String> properties = new HashMap<>();
            // codeact's defaults, which the variables override: OTLP over HTTP (the only sender shipped), traces only
            properties.put("otel.service.name", "codeact");
            properties.put("otel.exporter.otlp.protocol", "http/protobuf");
            properties.put("otel.metrics.exporter", "none");
            properties.put("otel.logs.exporter", "none");
            // the CLI's environment (tests give their own); the SDK reads the process's too, which wins
            environment.forEach((name, value) -> {
                if (name.startsWith("OTEL_")) {
                    properties.put(name.toLowerCase(Locale.ROOT).replace('_', '.'), value);
                }
            });
            OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> properties)
                    .disableShutdownHook() // closed when the command ends
                    .build()
                    .getOpenTelemetrySdk();
            return sdk;
        }

        /** An export that fails (no collector there) is one line on standard error, not a stack trace amid the progress. */
        private static void reportProblemsBriefly(PrintWriter err, Colors colors) {
            SDK_LOGGER.setUseParentHandlers(false);
            for (Handler handler : SDK_LOGGER.getHandlers()) {
                SDK_LOGGER.removeHandler(handler);
            }
            SDK_LOGGER.addHandler(new Handler() {
                @Override
                public void publish(LogRecord record) {
                    if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                        Throwable thrown = record.getThrown();
                        err.println(colors.yellow("codeact: tracing: " + record.getMessage()
                                + (thrown == null ? "" : " (" + thrown + ")")));
                        err.flush();
                    }
                }

                @Override
                public void flush() {
                    err.flush();
                }

                @Override
                public void close() {
                }
            });
        }
    }
}
