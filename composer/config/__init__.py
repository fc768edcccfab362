"""The newsletter folder and its settings: read once at the edge (`settings`), handed to each stage as the typed
part it needs (`parts`), with where each value comes from (`provenance`), the sending hours (`hours`) and `init`
(`folder`)."""
