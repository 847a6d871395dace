"""Importers: read another tracker's data and write it into a runyard store (`runyard import ...`)."""
