package dev.relay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.client.RelayClientException;
import dev.relay.protocol.Json;
import java.io.PrintWriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that talks to the relay: connection options, output streams, waiting for answers. */
abstract class ClientCommand {
    @Mixin
    ConnectionOptions connection;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Progress and notes go to stderr, so stdout stays clean for scripts. */
    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Waits for {@code answer} within --timeout; failures surface as the relay's code. */
    <T> T await(CompletableFuture<T> answer) throws RelayClientException {
        try {
            return answer.get(connection.timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RelayClientException refusal ? refusal
                    : new RelayClientException("internal", String.valueOf(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw new RelayClientException(RelayClientException.TIMEOUT, "no answer within " + connection.timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RelayClientException(RelayClientException.CLOSED, "interrupted");
        }
    }

    /** Blocks until {@code enough} opens (a --count reached), or {@code duration} passed when one is given. */
    static void awaitEnough(java.util.concurrent.CountDownLatch enough, java.time.Duration duration)
            throws InterruptedException {
        if (duration != null) {
            enough.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            enough.await();
        }
    }

    void printJson(JsonNode node) {
        try {
            out().println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out().flush();
    }
}
