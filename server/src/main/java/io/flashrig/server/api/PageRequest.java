package io.flashrig.server.api;

import io.flashrig.contract.Quoted;
import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.error.DomainException;
import io.quarkus.hibernate.orm.panache.PanacheQuery;
import java.util.function.Function;

/** A validated page request: page numbers start at 0, the size is bounded by {@code flashrig.max-page-size}. */
public record PageRequest(int page, int size) {

    /** Query parameters arrive as text, so that "abc" gets a clear 400 rather than the framework's 404. */
    public static PageRequest of(String page, String size, FlashRigConfig config) {
        int p = page == null || page.isEmpty() ? 0 : number("page", page);
        int s = size == null || size.isEmpty() ? config.defaultPageSize() : number("size", size);
        if (p < 0) {
            throw DomainException.invalid("page must be 0 or more (pages are counted from 0), not " + p + ".");
        }
        if (s < 1 || s > config.maxPageSize()) {
            throw DomainException.invalid("size must be between 1 and " + config.maxPageSize() + ", not " + s + ".");
        }
        return new PageRequest(p, s);
    }

    private static int number(String name, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw DomainException.invalid(name + " must be a whole number, not '"
                    + Quoted.of(text) + "'.");
        }
    }

    /** Runs the query for this page and turns each entity into its API view. */
    public <E, T> Page<T> fetch(PanacheQuery<E> query, Function<E, T> view) {
        PanacheQuery<E> paged = query.page(page, size);
        return new Page<>(paged.list().stream().map(view).toList(), page, size, paged.count());
    }
}
