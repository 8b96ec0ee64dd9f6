"""Reading and validating the input tables: files, schema, columns, geography, facts."""
