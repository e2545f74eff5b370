package dev.relay.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorMapping;
import dev.relay.protocol.Json;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.SystemOp;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * System requests awaiting their {@code response} or {@code error} envelope, by request id (SPEC §8.5). They belong to
 * the agent, not to one connection: an answer the relay queued while the agent was reconnecting still arrives, so only
 * the timeout ends a wait.
 */
public final class PendingRequests {
    private record Pending(SystemOp op, CompletableFuture<JsonNode> answer) {
    }

    private final Map<String, Pending> byRequestId = new ConcurrentHashMap<>();

    /** Starts waiting for the answer to {@code request}; register before sending, as the answer can be quick. */
    public CompletableFuture<JsonNode> register(Envelope request, SystemOp op, Duration timeout) {
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        byRequestId.put(request.id(), new Pending(op, answer));
        answer.whenComplete((result, failure) -> byRequestId.remove(request.id()));
        CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(() ->
                answer.completeExceptionally(new RelayClientException(RelayClientException.TIMEOUT,
                        "no answer to " + op.wireName() + " request " + request.id() + " within " + timeout)));
        return answer;
    }

    /** The operation that {@code envelope} answers, or null if it answers no pending request. */
    public SystemOp awaitedOp(Envelope envelope) {
        if ((envelope.kind() != Kind.RESPONSE && envelope.kind() != Kind.ERROR) || envelope.inReplyTo() == null) {
            return null;
        }
        Pending pending = byRequestId.get(envelope.inReplyTo());
        return pending == null ? null : pending.op();
    }

    /**
     * Completes the request that a verified relay envelope answers: with the response's {@code result}, or failing
     * with the error's code. Returns false if it answers nothing pending (a late answer, or a send refusal).
     */
    public boolean complete(Envelope answer) {
        if (awaitedOp(answer) == null) {
            return false;
        }
        Pending pending = byRequestId.remove(answer.inReplyTo());
        if (pending == null) {
            return false; // completed meanwhile (timeout)
        }
        if (answer.kind() == Kind.ERROR) {
            pending.answer().completeExceptionally(RelayClientException.of(ErrorMapping.fromErrorBody(answer.body())));
            return true;
        }
        try {
            JsonNode result = Json.readObject(answer.body(), "response body").get("result");
            if (result == null || !result.isObject()) {
                throw new RelayClientException("malformed", "response to " + pending.op().wireName() + " has no result");
            }
            pending.answer().complete(result);
        } catch (RelayException e) {
            pending.answer().completeExceptionally(RelayClientException.of(e));
        } catch (RelayClientException e) {
            pending.answer().completeExceptionally(e);
        }
        return true;
    }

    /** Fails the request with {@code requestId}, e.g. because its envelope could not be sent. */
    public void fail(String requestId, Throwable failure) {
        Pending pending = byRequestId.remove(requestId);
        if (pending != null) {
            pending.answer().completeExceptionally(failure);
        }
    }

    /** Fails every pending request, e.g. when the client is closed. */
    public void failAll(RelayClientException failure) {
        byRequestId.keySet().forEach(id -> fail(id, failure));
    }
}
