package dev.relay.store;

/**
  * Directory search over public cards. All given criteria must match.
  *
  * @param tag        exact tag, case-insensitive; null for any
  * @param capability exact capability name, case-insensitive; null for any
  * @param text       case-insensitive substring of the card's search text; null for any
  * @param afterKeyId paging cursor: only cards whose key id sorts after it; null for the first page
  * @param limit      maximum number of results, at least 1
  */
public record CardQuery(String tag, String capability, String text, String afterKeyId, int limit) {

    public CardQuery {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
    }
}
