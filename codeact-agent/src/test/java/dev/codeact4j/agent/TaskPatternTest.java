package dev.codeact4j.agent;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The kinds of task the system prompt advises on (how the advice reaches the prompt: AgentMemoryTest). */
class TaskPatternTest {

    @Test
    void theSeedsTasksAreClassified() {
        assertThat(TaskPattern.classify("Analyze this stock price data and provide investment recommendations: "
                + "AAPL: [150, 155, 148] Calculate: 1. Moving averages 2. Volatility scores 3. Trend analysis"))
                .isEqualTo(TaskPattern.DATA_ANALYSIS);
        assertThat(TaskPattern.classify("Process this experimental data from a physics experiment: Temperature "
                + "readings and pressure readings. Perform: 1. Linear regression analysis 2. Calculate correlation "
                + "coefficient 3. Predict pressure at 25°C 5. Generate summary statistics."))
                .isEqualTo(TaskPattern.DATA_ANALYSIS);
        assertThat(TaskPattern.classify("Scrape the headlines from https://news.ycombinator.com and list the top 10"))
                .isEqualTo(TaskPattern.WEB_SCRAPING);
        assertThat(TaskPattern.classify("Train a classifier on the iris dataset and report its accuracy"))
                .isEqualTo(TaskPattern.MACHINE_LEARNING);
        assertThat(TaskPattern.classify("What is the 20th Fibonacci number?")).isEqualTo(TaskPattern.GENERAL);
    }
}
