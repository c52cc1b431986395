"""Importing CSV/XLSX files, one file all-or-nothing, in the order the data flows:

    read → columns → values → references → rows → kinds → importer
"""
