COPY consent_events FROM 'consent_events.parquet' (FORMAT 'parquet', compression 'zstd');
COPY disclosures FROM 'disclosures.parquet' (FORMAT 'parquet', compression 'zstd');
COPY incidents FROM 'incidents.parquet' (FORMAT 'parquet', compression 'zstd');
COPY messages FROM 'messages.parquet' (FORMAT 'parquet', compression 'zstd');
COPY records FROM 'records.parquet' (FORMAT 'parquet', compression 'zstd');
COPY requests FROM 'requests.parquet' (FORMAT 'parquet', compression 'zstd');
COPY vendors FROM 'vendors.parquet' (FORMAT 'parquet', compression 'zstd');
