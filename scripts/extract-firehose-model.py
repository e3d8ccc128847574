#!/usr/bin/env python3
"""Extracts the constraints of the destination shapes Sluice validates from botocore's Firehose service model
(the model's documentation text is dropped) into lib/core/config/firehose-model.json.

Usage: python3 scripts/extract-firehose-model.py path/to/botocore/data/firehose/2015-08-04/service-2.json
(this copy: botocore 1.43.11)
"""
import json
import os
import sys

ROOTS = [
    'HttpEndpointDestinationConfiguration', 'HttpEndpointDestinationUpdate',
    'RedshiftDestinationConfiguration', 'RedshiftDestinationUpdate',
    'AmazonopensearchserviceDestinationConfiguration', 'AmazonopensearchserviceDestinationUpdate',
    'ElasticsearchDestinationConfiguration', 'ElasticsearchDestinationUpdate',
    'AmazonOpenSearchServerlessDestinationConfiguration', 'AmazonOpenSearchServerlessDestinationUpdate',
    'SchemaConfiguration', 'InputFormatConfiguration', 'OutputFormatConfiguration',
]
KEEP = {'type', 'min', 'max', 'pattern', 'enum', 'required', 'member', 'key', 'value', 'members', 'shape'}

def main():
    path = sys.argv[1] if len(sys.argv) > 1 else '/usr/lib/python3/dist-packages/botocore/data/firehose/2015-08-04/service-2.json'
    model = json.load(open(path))
    shapes = model['shapes']
    out = {}
    pending = [r for r in ROOTS if r in shapes]
    while pending:
        name = pending.pop()
        if name in out:
            continue
        shape = {k: v for k, v in shapes[name].items() if k in KEEP}
        if 'members' in shape:
            shape['members'] = {m: {'shape': d['shape']} for m, d in shape['members'].items()}
            pending.extend(d['shape'] for d in shape['members'].values())
        for ref in ('member', 'key', 'value'):
            if ref in shape:
                shape[ref] = {'shape': shape[ref]['shape']}
                pending.append(shape[ref]['shape'])
        out[name] = shape
    target = os.path.join(os.path.dirname(__file__), '..', 'lib', 'core', 'config', 'firehose-model.json')
    with open(target, 'w') as f:
        json.dump({'source': 'botocore firehose 2015-08-04 service model (constraints only)',
                   'roots': [r for r in ROOTS if r in shapes], 'shapes': dict(sorted(out.items()))}, f, indent=1)
        f.write('\n')
    print(f'{len(out)} shapes -> {os.path.normpath(target)}')

main()
