"""The demo company: who spends what, where, on which cloud. Small tables, read by the generator.

Everything here is configuration of the fictional company "Acme"; the charge rows themselves
are produced set-based in DuckDB by `lib.demo.charges`. Daily amounts are in the billing
currency of the account at the start of the 13-month window, before growth.

>>> len(TEAMS), len({t[2] for t in TEAMS})
(20, 5)
"""

COMPANY = "Acme Corp"
DEPARTMENTS = (  # id, name, heads, gl_account
    ("engineering", "Engineering", ("dana",), "6100"),
    ("data", "Data", ("dmitri",), "6200"),
    ("product", "Product", ("priya",), "6300"),
    ("marketing", "Marketing", ("mark",), "6400"),
    ("corporate-it", "Corporate IT", ("ivan",), "6500"),
)

TEAMS = (  # id, name, department, cost_center, aliases, owners
    ("web", "Web", "engineering", "CC-101", ("frontend", "storefront"), ("wes",)),
    ("mobile", "Mobile", "engineering", "CC-102", ("apps",), ("mia",)),
    ("api", "API", "engineering", "CC-103", ("backend",), ("ari",)),
    ("search", "Search", "engineering", "CC-104", (), ("sam",)),
    ("payments", "Payments", "engineering", "CC-105", ("billing-eng",), ("pat",)),
    ("platform", "Platform", "engineering", "CC-106", ("sre", "infra"), ("pia",)),
    ("data-platform", "Data Platform", "data", "CC-201", ("dataplat",), ("dave",)),
    ("analytics", "Analytics", "data", "CC-202", (), ("ana",)),
    ("ml-research", "ML Research", "data", "CC-203", ("ml", "machine-learning"), ("mo",)),
    ("bi", "Business Intelligence", "data", "CC-204", ("reporting",), ("bea",)),
    ("growth", "Growth", "product", "CC-301", (), ("gus",)),
    ("experimentation", "Experimentation", "product", "CC-302", ("ab-testing",), ("eva",)),
    ("onboarding", "Onboarding", "product", "CC-303", (), ("ola",)),
    ("design-systems", "Design Systems", "product", "CC-304", (), ("dex",)),
    ("marketing-web", "Marketing Web", "marketing", "CC-401", ("mktg-site",), ("mel",)),
    ("campaigns", "Campaigns", "marketing", "CC-402", (), ("cam",)),
    ("seo", "SEO", "marketing", "CC-403", (), ("seb",)),
    ("it-ops", "IT Operations", "corporate-it", "CC-501", ("itops", "helpdesk"), ("ian",)),
    ("security", "Security", "corporate-it", "CC-502", ("secops",), ("sec",)),
    ("identity", "Identity", "corporate-it", "CC-503", ("iam",), ("ida",)),
)

# Billing accounts and their sub-accounts (AWS linked accounts, Azure subscriptions, GCP projects).
# key, provider, billing account id, billing account name, currency, sub id, sub name, sub type,
# region id, region name, second region id, second region name, tag style
ACCOUNTS = (
    ("aws-web", "AWS", "381492006512", "Acme AWS Organization", "USD", "409812345601", "acme-prod-web",
     "Linked Account", "us-east-1", "US East (N. Virginia)", "us-west-2", "US West (Oregon)", "lower"),
    ("aws-core", "AWS", "381492006512", "Acme AWS Organization", "USD", "409812345602", "acme-prod-core",
     "Linked Account", "us-east-1", "US East (N. Virginia)", "eu-west-1", "Europe (Ireland)", "lower"),
    ("aws-data", "AWS", "381492006512", "Acme AWS Organization", "USD", "409812345603", "acme-data-lake",
     "Linked Account", "us-east-1", "US East (N. Virginia)", "us-east-2", "US East (Ohio)", "lower"),
    ("aws-shared", "AWS", "381492006512", "Acme AWS Organization", "USD", "409812345604", "acme-shared-services",
     "Linked Account", "us-east-1", "US East (N. Virginia)", "us-west-2", "US West (Oregon)", "lower"),
    ("aws-sandbox", "AWS", "381492006512", "Acme AWS Organization", "USD", "409812345605", "acme-sandbox",
     "Linked Account", "us-west-2", "US West (Oregon)", "us-east-1", "US East (N. Virginia)", "lower"),
    ("aws-security", "AWS", "381492006512", "Acme AWS Organization", "USD", "409812345606", "acme-security",
     "Linked Account", "us-east-1", "US East (N. Virginia)", "eu-central-1", "Europe (Frankfurt)", "lower"),
    ("aws-marketing", "AWS", "381492006512", "Acme AWS Organization", "USD", "409812345607", "acme-marketing",
     "Linked Account", "us-east-1", "US East (N. Virginia)", "us-west-2", "US West (Oregon)", "title"),
    ("az-corp", "Microsoft", "8611537", "Acme Inc. EA", "USD", "5f1c2a90-7d3e-4b8a-9c41-2e6f0a1b3c01",
     "corp-it-prod", "Subscription", "eastus", "East US", "westus2", "West US 2", "title"),
    ("az-identity", "Microsoft", "8611537", "Acme Inc. EA", "USD", "5f1c2a90-7d3e-4b8a-9c41-2e6f0a1b3c02",
     "identity-prod", "Subscription", "eastus", "East US", "centralus", "Central US", "title"),
    ("az-eu", "Microsoft", "8611902", "Acme Europe GmbH EA", "EUR", "9b7e41d2-0c55-4f1e-8a3b-6d2c9e7f4a10",
     "marketing-eu", "Subscription", "westeurope", "West Europe", "northeurope", "North Europe", "title"),
    ("gcp-analytics", "Google Cloud", "01A2B3-C4D5E6-F7A8B9", "Acme Google Cloud", "USD", "acme-analytics-prod",
     "Acme Analytics Prod", "Project", "us-central1", "Iowa", "us-east1", "South Carolina", "lower"),
    ("gcp-ml", "Google Cloud", "01A2B3-C4D5E6-F7A8B9", "Acme Google Cloud", "USD", "acme-ml-research",
     "Acme ML Research", "Project", "us-central1", "Iowa", "europe-west4", "Netherlands", "lower"),
    ("gcp-data", "Google Cloud", "01A2B3-C4D5E6-F7A8B9", "Acme Google Cloud", "USD", "acme-data-platform",
     "Acme Data Platform", "Project", "us-central1", "Iowa", "us-east1", "South Carolina", "lower"),
    ("gcp-growth", "Google Cloud", "01A2B3-C4D5E6-F7A8B9", "Acme Google Cloud", "USD", "acme-growth-exp",
     "Acme Growth Experiments", "Project", "us-east1", "South Carolina", "us-central1", "Iowa", "lower"),
)

# key, provider, ServiceName, ServiceCategory, ServiceSubcategory, SkuId, SkuMeter, PricingUnit,
# list unit price, ResourceType, resource id template, weekend factor (1 = no weekly pattern)
SERVICES = (
    ("ec2", "AWS", "Amazon Elastic Compute Cloud", "Compute", "Virtual Machines", "JRTCKXETXF.6YS6EN2CT7",
     "BoxUsage:m6i.xlarge", "Hours", 0.192, "Instance", "arn:aws:ec2:{region}:{sub}:instance/i-{h}", 0.7),
    ("s3", "AWS", "Amazon Simple Storage Service", "Storage", "Object Storage", "WP9ANXZGBYYSGJEA",
     "TimedStorage-ByteHrs", "GB-Mo", 0.023, "Bucket", "arn:aws:s3:::acme-{team}-{n}", 1.0),
    ("rds", "AWS", "Amazon Relational Database Service", "Databases", "Relational Databases", "QG5G45WKDWDDHTFV",
     "InstanceUsage:db.r6g.large", "Hours", 0.258, "DB Instance", "arn:aws:rds:{region}:{sub}:db:{team}-db-{n}", 1.0),
    ("eks", "AWS", "Amazon Elastic Kubernetes Service", "Compute", "Containers", "AmazonEKS-Hours:perCluster",
     "EKS-Hours:perCluster", "Hours", 0.10, "Cluster", "arn:aws:eks:{region}:{sub}:cluster/{team}-{n}", 1.0),
    ("cloudfront", "AWS", "Amazon CloudFront", "Networking", "Content Delivery", "N4D3MGNKSH7Q9KV3",
     "DataTransfer-Out-Bytes", "GB", 0.085, "Distribution", "arn:aws:cloudfront::{sub}:distribution/E{H}", 0.8),
    ("emr", "AWS", "Amazon EMR", "Analytics", "Data Processing", "2NGE9XUCGCNSPDW9", "BoxUsage:m5.2xlarge",
     "Hours", 0.096, "Cluster", "arn:aws:elasticmapreduce:{region}:{sub}:cluster/j-{H}", 0.85),
    ("transfer", "AWS", "AWS Data Transfer", "Networking", "Network Connectivity", "AWSDataTransfer-USE1-Out",
     "DataTransfer-Out-Bytes", "GB", 0.09, "Transfer", "", 0.8),
    ("opensearch", "AWS", "Amazon OpenSearch Service", "Analytics", "Search", "ESInstance:r6g.large",
     "ESInstance:r6g.large.search", "Hours", 0.167, "Domain", "arn:aws:es:{region}:{sub}:domain/{team}-{n}", 1.0),
    ("vm", "Microsoft", "Virtual Machines", "Compute", "Virtual Machines", "DZH318Z0BQ4L", "D4s v5",
     "1 Hour", 0.192, "microsoft.compute/virtualmachines",
     "/subscriptions/{sub}/resourcegroups/rg-{team}/providers/microsoft.compute/virtualmachines/vm-{team}-{n}", 0.75),
    ("storage", "Microsoft", "Storage", "Storage", "Object Storage", "DZH318Z0BNVX", "Hot LRS Data Stored",
     "1 GB/Month", 0.0184, "microsoft.storage/storageaccounts",
     "/subscriptions/{sub}/resourcegroups/rg-{team}/providers/microsoft.storage/storageaccounts/st{team}{n}", 1.0),
    ("sql", "Microsoft", "Azure SQL Database", "Databases", "Relational Databases", "DZH318Z0BQPS", "vCore",
     "1 Hour", 0.505, "microsoft.sql/servers/databases",
     "/subscriptions/{sub}/resourcegroups/rg-{team}/providers/microsoft.sql/servers/sql-{team}/databases/db{n}", 1.0),
    ("aks", "Microsoft", "Azure Kubernetes Service", "Compute", "Containers", "DZH318Z0BPVW", "Standard Uptime SLA",
     "1 Hour", 0.10, "microsoft.containerservice/managedclusters",
     "/subscriptions/{sub}/resourcegroups/rg-{team}/providers/microsoft.containerservice/managedclusters/aks-{team}-{n}",
     0.8),
    ("bandwidth", "Microsoft", "Bandwidth", "Networking", "Network Connectivity", "DZH318Z0BNZ1",
     "Standard Data Transfer Out", "1 GB", 0.087, "microsoft.network/publicipaddresses", "", 0.8),
    ("cosmos", "Microsoft", "Azure Cosmos DB", "Databases", "NoSQL Databases", "DZH318Z0BQDN", "100 RU/s",
     "100 RU/s/Hour", 0.008, "microsoft.documentdb/databaseaccounts",
     "/subscriptions/{sub}/resourcegroups/rg-{team}/providers/microsoft.documentdb/databaseaccounts/cosmos-{team}-{n}",
     1.0),
    ("gce", "Google Cloud", "Compute Engine", "Compute", "Virtual Machines", "CP-COMPUTEENGINE-N2-CORE",
     "N2 Instance Core running in Americas", "hour", 0.031611, "compute.googleapis.com/Instance",
     "//compute.googleapis.com/projects/{sub}/zones/{region}-a/instances/{team}-{n}", 0.75),
    ("bigquery", "Google Cloud", "BigQuery", "Databases", "Data Warehouses", "3362-E469-6BEF",
     "Analysis", "tebibyte", 6.25, "bigquery.googleapis.com/Dataset",
     "//bigquery.googleapis.com/projects/{sub}/datasets/{team}_{n}", 0.6),
    ("gke", "Google Cloud", "Kubernetes Engine", "Compute", "Containers", "B561-BFBD-1264", "Regional cluster fee",
     "hour", 0.10, "container.googleapis.com/Cluster",
     "//container.googleapis.com/projects/{sub}/locations/{region}/clusters/{team}-{n}", 0.85),
    ("gcs", "Google Cloud", "Cloud Storage", "Storage", "Object Storage", "E5F0-6A5D-7BAD", "Standard Storage US",
     "gibibyte month", 0.02, "storage.googleapis.com/Bucket", "//storage.googleapis.com/projects/_/buckets/{sub}-{team}-{n}",
     1.0),
    ("vertex", "Google Cloud", "Vertex AI", "AI and Machine Learning", "Machine Learning", "9E8A-0D5C-7D66",
     "Custom model training A100", "hour", 2.93, "aiplatform.googleapis.com/CustomJob",
     "//aiplatform.googleapis.com/projects/{sub}/locations/{region}/customJobs/{team}-{n}", 0.9),
    ("gnet", "Google Cloud", "Networking", "Networking", "Network Connectivity", "9DE9-9092-B3BC",
     "Network Internet Egress from Americas", "gibibyte", 0.12, "compute.googleapis.com/Network", "", 0.8),
)

# Who runs what: team (None = shared / nobody), account key, service key, daily amount, yearly growth.
# The shared rows are what the split rules in RULES_YAML divide; the sandbox is left unallocated.
WORKLOADS = (
    ("web", "aws-web", "ec2", 420, 0.45), ("web", "aws-web", "s3", 90, 0.3), ("web", "aws-web", "rds", 180, 0.3),
    ("web", "aws-web", "cloudfront", 160, 0.5),
    ("mobile", "aws-web", "ec2", 120, 0.6), ("mobile", "aws-web", "s3", 60, 0.4), ("mobile", "aws-web", "cloudfront", 70, 0.5),
    ("api", "aws-core", "ec2", 560, 0.4), ("api", "aws-core", "rds", 330, 0.3), ("api", "aws-core", "s3", 60, 0.2),
    ("search", "aws-core", "ec2", 380, 0.35), ("search", "aws-core", "s3", 70, 0.3),
    ("payments", "aws-core", "ec2", 180, 0.25), ("payments", "aws-core", "rds", 260, 0.2),
    ("platform", "aws-shared", "ec2", 240, 0.3), ("platform", "aws-shared", "s3", 80, 0.2),
    ("platform", "aws-shared", "eks", 60, 0.1),
    ("data-platform", "aws-data", "ec2", 480, 0.5), ("data-platform", "aws-data", "s3", 260, 0.6),
    ("data-platform", "aws-data", "emr", 520, 0.5), ("data-platform", "gcp-data", "gcs", 120, 0.5),
    ("analytics", "gcp-analytics", "bigquery", 520, 0.7), ("analytics", "gcp-analytics", "gcs", 90, 0.4),
    ("ml-research", "gcp-ml", "vertex", 460, 0.9), ("ml-research", "gcp-ml", "gce", 260, 0.6),
    ("ml-research", "gcp-ml", "gcs", 110, 0.6),
    ("bi", "az-corp", "sql", 130, 0.2), ("bi", "az-corp", "vm", 60, 0.2),
    ("growth", "gcp-growth", "gce", 180, 0.5), ("growth", "gcp-growth", "gke", 90, 0.4),
    ("experimentation", "aws-web", "ec2", 130, 0.5), ("experimentation", "aws-web", "s3", 30, 0.3),
    ("onboarding", "aws-web", "ec2", 90, 0.3), ("onboarding", "aws-web", "rds", 50, 0.2),
    ("design-systems", "aws-web", "s3", 25, 0.1), ("design-systems", "aws-web", "cloudfront", 45, 0.2),
    ("marketing-web", "aws-marketing", "ec2", 110, 0.3), ("marketing-web", "aws-marketing", "cloudfront", 80, 0.4),
    ("marketing-web", "aws-marketing", "s3", 30, 0.2),
    ("campaigns", "az-eu", "vm", 150, 0.4), ("campaigns", "az-eu", "storage", 60, 0.3), ("campaigns", "az-eu", "sql", 70, 0.2),
    ("seo", "az-eu", "vm", 60, 0.2), ("seo", "az-eu", "storage", 25, 0.1),
    ("it-ops", "az-corp", "vm", 260, 0.15), ("it-ops", "az-corp", "storage", 70, 0.1), ("it-ops", "az-corp", "aks", 80, 0.2),
    ("security", "aws-security", "ec2", 190, 0.3), ("security", "aws-security", "s3", 130, 0.4),
    ("identity", "az-identity", "vm", 90, 0.2), ("identity", "az-identity", "sql", 70, 0.2),
    (None, "aws-shared", "eks", 520, 0.4),  # the shared Kubernetes clusters (resource ids cluster/shared-*)
    (None, "aws-shared", "transfer", 260, 0.4), (None, "az-corp", "bandwidth", 50, 0.2),
    (None, "gcp-analytics", "gnet", 45, 0.5),
    (None, "aws-sandbox", "ec2", 140, 0.2), (None, "aws-sandbox", "s3", 25, 0.2),
)

# Commitments: id, name, type, category, account key whose billing account owns it, covered service,
# share of that service's resources covered, discount off list, payment ('daily' fee or 'upfront'),
# day offset of the purchase from the window start, term in days.
COMMITMENTS = (
    ("arn:aws:savingsplans::381492006512:savingsplan/5c1d7e2a-9b7f-4a51-8f0e-2d6a1c3b9e40", "Compute Savings Plan 1yr",
     "Compute Savings Plan", "Spend", "aws-shared", "ec2", 0.55, 0.28, "daily", 0, 1095),
    ("arn:aws:rds:us-east-1:381492006512:ri:acme-rds-r6g-2026", "RDS r6g.large 1yr all upfront",
     "Reserved Instance", "Usage", "aws-shared", "rds", 0.6, 0.38, "upfront", 45, 365),
    ("/providers/Microsoft.Capacity/reservationOrders/7f3e9a2c-1b4d-4e8f-a6c5-0d9b2e1f3a77", "D4s v5 1yr reservation",
     "Reservation", "Usage", "az-corp", "vm", 0.5, 0.41, "upfront", 75, 365),
)

# Credits: account key, ServiceName it applies to, monthly amount (negative), first and last month index.
CREDITS = (
    ("aws-sandbox", "Amazon Elastic Compute Cloud", -1500, 0, 5),
    ("gcp-growth", "Compute Engine", -400, 0, 2),
)
TAX_RATE = 0.0625  # sales tax on AWS billed usage: one Tax row per linked account and month
SUPPORT_RATE = 0.07  # AWS Business support: a monthly recurring fee of about 7% of AWS usage

UNKNOWN_TEAM_TAGS = ("legacy-crm", "hackathon-2026", "tbd")

# kind, team, service key, start (days before today), days, extra daily cost (billing currency).
# 'hidden_spike' also lowers the team's 'drop' service by the same amount, so the team total hides it.
ANOMALIES = (
    ("spike", "web", "ec2", 210, 1, 4200),
    ("spike", "analytics", "bigquery", 96, 1, 3500),
    ("spike", "payments", "rds", 11, 1, 2400),
    ("spike", "security", "s3", 262, 1, 2600),
    ("level_shift", "api", "ec2", 165, 21, 950),
    ("level_shift", "it-ops", "vm", 61, 14, 520),
    ("level_shift", "growth", "gce", 305, 18, 420),
    ("ramp", "ml-research", "vertex", 78, 60, 1300),
    ("new_service", "search", "opensearch", 40, 41, 650),
    ("new_service", "campaigns", "cosmos", 130, 131, 240),
    ("hidden_spike", "data-platform", "emr", 28, 5, 450),
)
HIDDEN_DROP = {"data-platform": "ec2"}

# Rhythms real bills have, which the detector must stay quiet about: a month-end batch (3x on the
# last two days of every month), a bursty service (10% of days at 1.3-1.8x), and public holidays
# (workloads with a weekend dip run at 60% on the holidays of COUNTRY).
RHYTHMS = {("bi", "az-corp", "sql"): "month_end", ("analytics", "gcp-analytics", "bigquery"): "bursty"}
COUNTRY = "US"
