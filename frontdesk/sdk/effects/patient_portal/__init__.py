"""`canvas_sdk.effects.patient_portal`: portal-wide configuration, forms and theme effects."""
