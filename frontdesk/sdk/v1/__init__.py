"""`canvas_sdk.v1`: versioned data access; see `canvas_sdk.v1.data`."""
