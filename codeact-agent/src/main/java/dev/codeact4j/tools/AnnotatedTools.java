package dev.codeact4j.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.agent.tool.ToolSpecifications;
import dev.langchain4j.exception.ToolExecutionException;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.service.tool.DefaultToolExecutor;
import dev.langchain4j.service.tool.ToolExecutionResult;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * LangChain4j tool classes, unchanged: every method annotated with {@code @Tool} (its parameters described by
 * {@code @P}) becomes a {@link Tool}, invoked through LangChain4j's own executor, in the group of its class's simple
 * name.
 */
public final class AnnotatedTools {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AnnotatedTools() {
    }

    /** The {@code @Tool} methods of this object (or, for a Class, of a new instance made with its no-argument constructor). */
    public static List<Tool> from(Object objectWithTools) {
        Object target = objectWithTools instanceof Class<?> type ? instantiate(type) : objectWithTools;
        List<Tool> tools = new ArrayList<>();
        for (Method method : target.getClass().getMethods()) {
            if (!method.isAnnotationPresent(dev.langchain4j.agent.tool.Tool.class)) {
                continue;
            }
            ToolSpecification spec = ToolSpecifications.toolSpecificationFrom(method);
            JsonNode parameters = spec.parameters() == null ? null : JSON.valueToTree(JsonSchemaElementUtils.toMap(spec.parameters()));
            DefaultToolExecutor executor = DefaultToolExecutor.builder()
                    .object(target).originalMethod(method).methodToInvoke(method)
                    .propagateToolExecutionExceptions(true).wrapToolArgumentsExceptions(true)
                    .build();
            tools.add(new Tool(spec.name(), spec.description(), parameters, arguments -> {
                ToolExecutionRequest request = ToolExecutionRequest.builder()
                        .name(spec.name()).arguments(arguments.toString()).build();
                try {
                    ToolExecutionResult result = executor.executeWithContext(request, InvocationContext.builder().build());
                    return result.result();
                } catch (ToolExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }, target.getClass().getSimpleName()));
        }
        if (tools.isEmpty()) {
            throw new IllegalArgumentException(target.getClass().getName() + " has no public method annotated with "
                    + "@dev.langchain4j.agent.tool.Tool");
        }
        return tools;
    }

    private static Object instantiate(Class<?> type) {
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot make an instance of the tools class " + type.getName()
                    + " (it needs a public constructor without arguments): " + e, e);
        }
    }
}
