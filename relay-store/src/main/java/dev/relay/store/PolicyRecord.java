package dev.relay.store;

import java.util.List;
import java.util.Objects;

/**
  * Stored inbox policy of one identity. The store does not interpret {@code mode}; the engine maps it to its own type.
  *
  * @param mode        policy mode name, e.g. {@code "blocklist"}
  * @param allow       key ids in the allow list, in the order given (null is read as empty)
  * @param block       key ids in the block list, in the order given (null is read as empty)
  * @param updatedAtMs when the policy was last changed (epoch ms)
  */
public record PolicyRecord(String mode, List<String> allow, List<String> block, long updatedAtMs) {

    public PolicyRecord {
        Objects.requireNonNull(mode, "mode");
        allow = allow == null ? List.of() : List.copyOf(allow);
        block = block == null ? List.of() : List.copyOf(block);
    }
}
