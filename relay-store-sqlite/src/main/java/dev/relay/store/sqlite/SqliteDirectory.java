package dev.relay.store.sqlite;

import dev.relay.store.CardQuery;
import dev.relay.store.CardRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
  * Profile cards. Tags and capability names live in child tables with a lower-cased copy, and the search text has a
  * lower-cased copy too: lower-casing in Java (not SQLite's ASCII-only {@code lower}) keeps matching identical on every
  * store implementation, and the copies are indexed or scanned without per-row function calls.
  */
final class SqliteDirectory {

    private static final String CARD_COLUMNS =
            "c.key_id, c.card_json, c.envelope_json, c.is_public, c.search_text, c.updated_at";

    private final SqliteDatabase db;

    SqliteDirectory(SqliteDatabase db) {
        this.db = db;
    }

    void saveCard(CardRecord card) {
        db.write("saving a profile card", () -> {
            PreparedStatement upsert = db.statement(
                    "INSERT INTO cards (key_id, card_json, envelope_json, is_public, search_text, search_lc, updated_at)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key_id) DO UPDATE SET"
                            + " card_json = excluded.card_json, envelope_json = excluded.envelope_json,"
                            + " is_public = excluded.is_public, search_text = excluded.search_text,"
                            + " search_lc = excluded.search_lc, updated_at = excluded.updated_at");
            upsert.setString(1, card.keyId());
            upsert.setString(2, card.cardJson());
            upsert.setString(3, card.envelopeJson());
            upsert.setInt(4, card.isPublic() ? 1 : 0);
            upsert.setString(5, card.searchText());
            upsert.setString(6, fold(card.searchText()));
            upsert.setLong(7, card.updatedAtMs());
            upsert.executeUpdate();
            replaceValues("card_tags", "tag", card.keyId(), card.tags());
            replaceValues("card_capabilities", "name", card.keyId(), card.capabilities());
            return null;
        });
    }

    Optional<CardRecord> card(String keyId) {
        return db.call("reading a profile card", () -> {
            PreparedStatement select = db.statement("SELECT " + CARD_COLUMNS + " FROM cards c WHERE c.key_id = ?");
            select.setString(1, keyId);
            List<CardRecord> cards = readCards(select);
            return cards.isEmpty() ? Optional.empty() : Optional.of(cards.get(0));
        });
    }

    List<CardRecord> searchPublicCards(CardQuery query) {
        return db.call("searching public cards", () -> {
            // Only the criteria present go into the SQL: at most 16 statement shapes, each cached.
            StringBuilder sql = new StringBuilder("SELECT " + CARD_COLUMNS + " FROM cards c WHERE c.is_public = 1");
            List<String> args = new ArrayList<>();
            if (query.afterKeyId() != null) {
                sql.append(" AND c.key_id > ?");
                args.add(query.afterKeyId());
            }
            if (query.tag() != null) {
                sql.append(" AND EXISTS (SELECT 1 FROM card_tags t WHERE t.tag_lc = ? AND t.key_id = c.key_id)");
                args.add(fold(query.tag()));
            }
            if (query.capability() != null) {
                sql.append(" AND EXISTS (SELECT 1 FROM card_capabilities k WHERE k.name_lc = ? AND k.key_id = c.key_id)");
                args.add(fold(query.capability()));
            }
            if (query.text() != null) {
                // instr, not LIKE: user text needs no escaping of % and _
                sql.append(" AND instr(c.search_lc, ?) > 0");
                args.add(fold(query.text()));
            }
            sql.append(" ORDER BY c.key_id LIMIT ?");
            PreparedStatement select = db.statement(sql.toString());
            int i = 1;
            for (String arg : args) {
                select.setString(i++, arg);
            }
            select.setInt(i, query.limit());
            return readCards(select);
        });
    }

    private void replaceValues(String table, String column, String keyId, List<String> values) throws SQLException {
        PreparedStatement clear = db.statement("DELETE FROM " + table + " WHERE key_id = ?");
        clear.setString(1, keyId);
        clear.executeUpdate();
        PreparedStatement insert = db.statement(
                "INSERT INTO " + table + " (key_id, pos, " + column + ", " + column + "_lc) VALUES (?, ?, ?, ?)");
        for (int pos = 0; pos < values.size(); pos++) {
            insert.setString(1, keyId);
            insert.setInt(2, pos);
            insert.setString(3, values.get(pos));
            insert.setString(4, fold(values.get(pos)));
            insert.addBatch();
        }
        insert.executeBatch();
    }

    private List<CardRecord> readCards(PreparedStatement select) throws SQLException {
        record Row(String keyId, String cardJson, String envelopeJson, boolean isPublic, String searchText, long at) {}
        List<Row> rows = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                rows.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4) != 0, rs.getString(5),
                        rs.getLong(6)));
            }
        }
        List<CardRecord> cards = new ArrayList<>(rows.size());
        for (Row row : rows) {
            cards.add(new CardRecord(row.keyId(), row.cardJson(), row.envelopeJson(), row.isPublic(), row.searchText(),
                    values("card_tags", "tag", row.keyId()), values("card_capabilities", "name", row.keyId()), row.at()));
        }
        return cards;
    }

    private List<String> values(String table, String column, String keyId) throws SQLException {
        PreparedStatement select = db.statement(
                "SELECT " + column + " FROM " + table + " WHERE key_id = ? ORDER BY pos");
        select.setString(1, keyId);
        List<String> values = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    /** Case folding used for every case-insensitive match. */
    static String fold(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
