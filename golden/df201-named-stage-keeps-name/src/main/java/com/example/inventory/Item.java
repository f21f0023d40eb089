package com.example.inventory;

/** One stock line. */
public record Item(String sku, String name, int quantity) {
    public Item {
        if (quantity < 0) {
            throw new IllegalArgumentException("negative quantity for " + sku);
        }
    }
}
