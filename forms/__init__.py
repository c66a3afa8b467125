"""Questionnaire definitions: schema, loader, show_if conditions, scoring and the WTForms builder."""
