console.log('POSTINSTALL RAN')
