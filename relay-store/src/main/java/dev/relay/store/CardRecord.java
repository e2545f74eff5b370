package dev.relay.store;

import java.util.List;
import java.util.Objects;

/**
 * A profile card as the directory stores it. The JSON is kept verbatim (the signed envelope must be returned byte for
 * byte); the engine extracts {@code searchText}, {@code tags} and {@code capabilities} so the store can search without
 * parsing JSON.
 *
 * @param keyId        owner of the card
 * @param cardJson     the card JSON
 * @param envelopeJson the signed envelope that carried the card
 * @param isPublic     whether {@link RelayStore#searchPublicCards} may return it
 * @param searchText   free text matched by {@link CardQuery#text()}
 * @param tags         tags, matched exactly but case-insensitively (null is read as empty)
 * @param capabilities capability names, matched exactly but case-insensitively (null is read as empty)
 * @param updatedAtMs  when the card was saved (epoch ms)
 */
public record CardRecord(
    String keyId,
    String cardJson,
    String envelopeJson,
    boolean isPublic,
    String searchText,
    List<String> tags,
    List<String> capabilities,
    long updatedAtMs) {

  public CardRecord {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(cardJson, "cardJson");
    Objects.requireNonNull(envelopeJson, "envelopeJson");
    searchText = searchText == null ? "" : searchText;
    tags = tags == null ? List.of() : List.copyOf(tags);
    capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
  }
}
