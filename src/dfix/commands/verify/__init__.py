"""dfix verify: build the original and the rewrite on the user's builder, compare the images by content, time rebuilds."""
